/* Officer console: one key per action, live refresh of the panel, ticking timers.
 *
 * Without this script every action is still a plain POST form. With it: the keys shown on the
 * buttons (N, R, S, F, X, T, C) press them, T opens the transfer picker (type to filter, Enter
 * to choose, Esc to close), and the panel is fetched again whenever the mall's board stream
 * reports a queue change. Focus is never trapped: Tab and the mouse work as usual.
 */
(function () {
  "use strict";

  var panel = document.getElementById("console-panel");
  if (!panel) return;
  var labels = JSON.parse(document.getElementById("console-labels").textContent);
  var skew = 0; // server clock minus browser clock, in ms

  function isTyping(node) {
    return node && (node.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(node.tagName));
  }

  /* ---- Submitting ---- */
  function press(button) {
    var form = button.form;
    if (form.requestSubmit) form.requestSubmit(button);
    else button.click();
  }

  panel.addEventListener("submit", function (e) {
    var submitter = e.submitter;
    if (submitter && submitter.dataset.confirm && !window.confirm(submitter.dataset.confirm)) {
      e.preventDefault();
      return;
    }
    panel.classList.add("is-sending"); // one action at a time: no double submits
    setTimeout(function () {
      panel.querySelectorAll(".action-btn").forEach(function (b) { b.disabled = true; });
    }, 0);
    setTimeout(function () { // the page did not change (network trouble): show the panel again
      panel.classList.remove("is-sending");
      refresh();
    }, 10000);
  });

  function nudge(node) { // a key for an action not possible now
    node.classList.remove("is-refused");
    void node.offsetWidth;
    node.classList.add("is-refused");
  }

  /* ---- Keys ---- */
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || isTyping(e.target)) return;
    if (panel.classList.contains("is-sending")) return;
    var key = (e.key || "").toUpperCase();
    if (key.length !== 1 || key < "A" || key > "Z") return;
    var target = panel.querySelector('[data-key="' + key + '"]');
    if (!target) return;
    e.preventDefault();
    if (target.tagName === "SUMMARY") { openTransfer(); return; }
    if (target.disabled) { nudge(target); return; }
    press(target);
  });

  /* ---- Transfer picker ---- */
  function transferParts() {
    var box = document.getElementById("transfer");
    if (!box) return null;
    return {
      box: box,
      filter: box.querySelector(".transfer-filter"),
      select: box.querySelector("select"),
      summary: box.querySelector("summary")
    };
  }

  function openTransfer() {
    var t = transferParts();
    if (!t) return;
    t.box.open = true;
    t.filter.focus();
    t.filter.select(); // typing replaces the last filter
  }

  function visibleOptions(select) {
    return Array.prototype.filter.call(select.options, function (o) { return !o.hidden; });
  }

  function applyFilter(t) {
    var q = t.filter.value.trim().toLowerCase();
    Array.prototype.forEach.call(t.select.options, function (o) {
      o.hidden = q !== "" && (o.getAttribute("data-search") || "").indexOf(q) < 0;
    });
    var visible = visibleOptions(t.select);
    var chosen = t.select.selectedOptions[0];
    if (!chosen || chosen.hidden) t.select.selectedIndex = visible.length ? visible[0].index : -1;
  }

  function moveChoice(t, step) {
    var visible = visibleOptions(t.select);
    if (!visible.length) return;
    var at = visible.indexOf(t.select.selectedOptions[0]);
    var next = visible[Math.max(0, Math.min(visible.length - 1, at + step))];
    t.select.selectedIndex = next.index;
  }

  function closeTransfer(t) {
    t.box.open = false;
    t.summary.focus();
  }

  function initPanel() {
    var t = transferParts();
    if (t) {
      t.filter.hidden = false;
      t.box.querySelector(".transfer-filter-label").hidden = false;
    }
    var grid = panel.querySelector("[data-now]");
    if (grid) skew = Date.parse(grid.getAttribute("data-now")) - Date.now();
    tick();
    minutes();
  }

  panel.addEventListener("input", function (e) {
    var t = transferParts();
    if (t && e.target === t.filter) applyFilter(t);
  });

  panel.addEventListener("keydown", function (e) {
    var t = transferParts();
    if (!t || !t.box.contains(e.target)) return;
    if (e.key === "Escape") { e.preventDefault(); closeTransfer(t); return; }
    if (e.target === t.filter) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        moveChoice(t, e.key === "ArrowDown" ? 1 : -1);
      } else if (e.key === "Enter") {
        e.preventDefault();
        if (t.select.value && !t.select.selectedOptions[0].hidden) t.select.form.requestSubmit();
      }
    } else if (e.target === t.select && e.key === "Enter") {
      e.preventDefault();
      if (t.select.value) t.select.form.requestSubmit();
    }
  });

  // "toggle" does not bubble: listen while capturing.
  panel.addEventListener("toggle", function (e) {
    var t = transferParts();
    if (!t || e.target !== t.box) return;
    if (t.box.open) {
      applyFilter(t);
      t.filter.focus();
      t.filter.select();
    } else if (pending) {
      refresh();
    }
  }, true);

  /* ---- Timers ---- */
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var now = Date.now() + skew;
    panel.querySelectorAll("[data-since]").forEach(function (node) {
      var s = Math.max(0, Math.floor((now - Date.parse(node.getAttribute("data-since"))) / 1000));
      var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
      node.textContent = (h ? h + ":" + two(m) : m) + ":" + two(s % 60);
    });
  }
  function minutes() {
    var now = Date.now() + skew;
    panel.querySelectorAll("[data-queued]").forEach(function (node) {
      var m = Math.floor((now - Date.parse(node.getAttribute("data-queued"))) / 60000);
      node.textContent = Math.max(0, m);
    });
  }
  setInterval(tick, 1000);
  setInterval(minutes, 20000);

  /* ---- Live refresh from the board stream ---- */
  var loading = false;
  var pending = false;

  function refresh() {
    var t = transferParts();
    if (loading || (t && t.box.open) || panel.classList.contains("is-sending")) {
      pending = true;
      return;
    }
    loading = true;
    pending = false;
    fetch(panel.getAttribute("data-panel-url"), { credentials: "same-origin" })
      .then(function (r) {
        if (r.redirected || r.status === 403 || r.status === 404) { // logged out or no access
          window.location.reload();
          throw new Error("reload");
        }
        if (!r.ok) throw new Error("panel " + r.status);
        return r.text();
      })
      .then(function (html) {
        var active = document.activeElement;
        var key = active && panel.contains(active) ? active.getAttribute("data-key") : null;
        panel.innerHTML = html;
        initPanel();
        if (key) {
          var again = panel.querySelector('[data-key="' + key + '"]');
          if (again && !again.disabled) again.focus();
        }
      })
      .catch(function () { /* next change will try again */ })
      .then(function () {
        loading = false;
        if (pending) refresh();
      });
  }

  var live = document.getElementById("console-live");
  var mode = "live"; // "backup": the server reads the database every few seconds (Redis down)
  function setLive(ok) {
    var backup = ok && mode === "backup";
    live.hidden = false;
    live.textContent = ok ? (backup ? labels.backup : labels.live) : labels.reconnecting;
    live.className = "console-live " + (ok ? (backup ? "is-live is-backup" : "is-live") : "is-offline");
  }

  var retryMs = 1000;
  function connect() {
    var url = panel.getAttribute("data-stream-url");
    if (!window.EventSource || !url) return;
    var source = new EventSource(url);
    source.addEventListener("board", function () {
      setLive(true);
      retryMs = 1000;
      refresh(); // also on connect: something may have changed since the page was drawn
    });
    source.addEventListener("status", function (e) {
      try { mode = JSON.parse(e.data).mode === "backup" ? "backup" : "live"; } catch (err) { return; }
      setLive(true);
    });
    source.onopen = function () { mode = "live"; setLive(true); };
    source.onerror = function () {
      setLive(false);
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 30000);
      }
    };
  }

  initPanel();
  connect();
})();
