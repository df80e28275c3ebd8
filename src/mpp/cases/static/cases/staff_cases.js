/* Officers' application pages: keys like the counter console's.
 *
 * Without this script every step is a plain link or POST form. With it:
 * - the work queue (#case-queue): J/K or the arrow keys move through the rows, Enter opens
 *   the row, X ticks it, V starts verification of the ticked rows (or of the current row
 *   when none is ticked), R opens the current row's case at its "return" form;
 * - a case page: the key shown on a button presses it; on a step that needs a checklist
 *   or a reason (return, reject) it opens the form and puts the cursor in it; U opens the
 *   file chooser (the camera on a phone or tablet); Esc goes back to the queue.
 * Keys are ignored while typing in a field. Focus is never trapped.
 */
(function () {
  "use strict";

  function isTyping(node) {
    return node && (node.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(node.tagName));
  }

  function nudge(node) { // a key for a step not possible now
    node.classList.remove("is-refused");
    void node.offsetWidth;
    node.classList.add("is-refused");
  }

  var sending = false;
  document.addEventListener("submit", function () { sending = true; }); // one step at a time

  /* ---- The work queue ---- */
  var table = document.getElementById("case-queue");
  var rows = table ? Array.prototype.slice.call(table.querySelectorAll("tr[data-row]")) : [];
  var at = -1;

  function select(i) {
    if (!rows.length) return;
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, n) {
      r.classList.toggle("is-current", n === at);
      if (n === at) r.setAttribute("aria-current", "true"); else r.removeAttribute("aria-current");
    });
    var link = rows[at].querySelector(".row-link");
    if (link) link.focus();
  }

  function currentRow() {
    var active = document.activeElement;
    var row = active && active.closest ? active.closest("tr[data-row]") : null;
    if (row) at = rows.indexOf(row);
    return at >= 0 ? rows[at] : null;
  }

  function queueKey(e, key) {
    var row = currentRow();
    if (key === "J" || e.key === "ArrowDown") { select(at + 1); return true; }
    if (key === "K" || e.key === "ArrowUp") { select(at < 0 ? 0 : at - 1); return true; }
    if (key === "X") {
      var box = row && row.querySelector("input[type=checkbox]");
      if (box) box.checked = !box.checked; else if (row) nudge(row);
      return true;
    }
    if (key === "V") {
      var form = document.getElementById("bulk-form");
      var ticked = form.querySelectorAll("input[name=case]:checked").length;
      if (!ticked) {
        var own = row && row.querySelector("input[type=checkbox]");
        if (!own) { nudge(document.getElementById("bulk-verify")); return true; }
        own.checked = true;
      }
      sending = true;
      form.requestSubmit(document.getElementById("bulk-verify"));
      return true;
    }
    if (key === "R") {
      if (row) window.location.assign(row.getAttribute("data-href") + "#return");
      return true;
    }
    return false;
  }

  if (table) {
    table.addEventListener("click", function (e) { // a click on a row (not a control) opens it
      var row = e.target.closest("tr[data-row]");
      if (!row || e.target.closest("a, input, label, button")) return;
      window.location.assign(row.getAttribute("data-href"));
    });
  }

  /* ---- A case page ---- */
  function openDetails(details) {
    details.open = true;
    var field = details.querySelector("input[type=checkbox], textarea");
    if (field) field.focus();
  }

  var opened = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  if (opened && opened.tagName === "DETAILS") openDetails(opened);

  document.addEventListener("keydown", function (e) {
    if (sending || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    if (e.key === "Escape") {
      var details = e.target.closest ? e.target.closest("details[open]") : null;
      if (details) { details.open = false; details.querySelector("summary").focus(); e.preventDefault(); return; }
      var back = document.querySelector("[data-key-back]");
      if (back && !isTyping(e.target)) { window.location.assign(back.href); }
      return;
    }
    if (isTyping(e.target)) return;
    var key = (e.key || "").toUpperCase();
    if (table && queueKey(e, key)) { e.preventDefault(); return; }
    if (key.length !== 1 || key < "A" || key > "Z") return;
    var target = document.querySelector('main [data-key="' + key + '"]');
    if (!target) return;
    e.preventDefault();
    if (target.tagName === "SUMMARY") { openDetails(target.parentElement); return; }
    if (target.disabled) { nudge(target); return; }
    if (key === "U") { // choose the file first (the camera on a phone)
      var file = document.getElementById("upload-file");
      if (file && !file.files.length) { file.focus(); file.click(); return; }
    }
    sending = true;
    if (target.form && target.form.requestSubmit) target.form.requestSubmit(target);
    else target.click();
  });
})();
