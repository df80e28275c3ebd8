/* Ticket pages, enhanced; both work without this file.
   Phone page: follows the mall's board stream and swaps in the fresh status
   fragment when the queue moves; vibrates and flashes when the number is called.
   Print page: with ?autoprint=1 (from the kiosk) prints once, then returns to the kiosk. */
(function () {
  "use strict";

  // ---- print page ----
  var actions = document.getElementById("print-actions");
  if (actions) {
    var again = actions.querySelector("[data-action=print]");
    if (again) {
      again.hidden = false;
      again.addEventListener("click", function () { window.print(); });
    }
    if (actions.dataset.autoprint === "1") {
      var back = actions.dataset.returnUrl;
      var notice = actions.querySelector(".print-return");
      window.addEventListener("load", function () {
        if (notice) { notice.hidden = false; }
        setTimeout(function () {
          window.print();  // blocks until printed (silent with Chromium's --kiosk-printing)
          setTimeout(function () { window.location.replace(back); }, 8000);
        }, 150);
      });
    }
    return;
  }

  // ---- phone page ----
  var live = document.getElementById("ticket-live");
  if (!live) { return; }
  var statusUrl = live.dataset.statusUrl;
  var streamUrl = live.dataset.streamUrl;
  var POLL_MS = 20000;
  var note = document.querySelector(".js-live");
  if (note) { note.hidden = false; }

  function current() { return live.querySelector("[data-status]"); }
  var lastKey = current() ? current().dataset.alertKey : "";
  var baseTitle = document.title;
  var pending = null, inFlight = false, source = null, poller = null;

  function isFinal() { var el = current(); return el && el.dataset.final === "1"; }

  function alertCalled() {
    if (navigator.vibrate) { navigator.vibrate([400, 150, 400, 150, 800]); }
    document.body.classList.remove("flash");
    void document.body.offsetWidth; // restart the animation
    document.body.classList.add("flash");
  }

  function refresh() {
    if (inFlight) { return; }
    inFlight = true;
    fetch(statusUrl, { cache: "no-store", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        live.innerHTML = html;
        var el = current();
        if (!el) { return; }
        var key = el.dataset.alertKey;
        if (el.dataset.status === "called") {
          document.title = "▶ " + baseTitle;
          if (key !== lastKey) { alertCalled(); }
        } else {
          document.title = baseTitle;
        }
        lastKey = key;
        if (isFinal()) { stop(); }
      })
      .catch(function () { /* offline for a moment: the next event or poll tries again */ })
      .then(function () { inFlight = false; });
  }

  function soon() {  // several queue events in a burst: fetch once
    clearTimeout(pending);
    pending = setTimeout(refresh, 300 + Math.random() * 700);
  }

  function poll() { if (!poller) { poller = setInterval(refresh, POLL_MS); } }

  function stop() {
    if (source) { source.close(); source = null; }
    clearInterval(poller); poller = null;
  }

  if (isFinal()) { return; }
  if (window.EventSource && streamUrl) {
    source = new EventSource(streamUrl);
    source.addEventListener("board", soon);
    source.addEventListener("open", function () { clearInterval(poller); poller = null; soon(); });
    source.addEventListener("error", function () {
      // The browser reconnects by itself; poll meanwhile, and for good if the stream is gone.
      poll();
      if (source && source.readyState === EventSource.CLOSED) { source = null; }
    });
  } else {
    poll();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !isFinal()) { refresh(); }
  });
})();
