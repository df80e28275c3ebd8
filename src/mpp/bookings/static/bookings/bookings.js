/* Booking pages' enhancements; every page works without them.
   - forms marked data-once are sent once (a double tap on a slow network books once)
   - a digits counter under the NIK field ("12 of 16 digits")
   - the mall page's service list filters while typing
   - the Print button on the booking page; the "wait N seconds" count-down */
(function () {
  "use strict";

  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent === "1") { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var button = event.submitter;
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        if (button && button.dataset.busyLabel) { button.textContent = button.dataset.busyLabel; }
      }, 0);
    });
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.dataset.sent = "";
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    });
  });

  document.querySelectorAll("input[data-digits]").forEach(function (input) {
    var want = parseInt(input.dataset.digits, 10);
    var out = input.parentNode.querySelector("[data-digits-count]");
    if (!out) { return; }
    var template = out.dataset.template || "{n} / {total}";
    function update() {
      var n = input.value.replace(/\D/g, "").length;
      out.hidden = n === 0;
      out.textContent = template.replace("{n}", n).replace("{total}", want);
      out.classList.toggle("is-done", n === want);
    }
    input.addEventListener("input", update);
    update();
  });

  var filter = document.querySelector("input[data-filter]");
  if (filter) {
    var box = document.querySelector(filter.dataset.filter);
    var empty = box && box.querySelector("[data-filter-empty]");
    var note = document.querySelector("[data-filter-note]");
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      box.querySelectorAll("[data-filter-group]").forEach(function (group) {
        var inGroup = 0;
        group.querySelectorAll("[data-filter-text]").forEach(function (item) {
          var text = item.dataset.filterText;
          var ok = words.every(function (w) { return text.indexOf(w) !== -1; });
          item.hidden = !ok;
          if (ok) { inGroup += 1; }
        });
        group.hidden = inGroup === 0;
        shown += inGroup;
      });
      if (empty) { empty.hidden = shown > 0; }
      if (note) { note.hidden = true; }
    });
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  var countdown = document.querySelector("[data-countdown]");
  if (countdown && countdown.dataset.template) {
    var left = parseInt(countdown.dataset.countdown, 10);
    var tick = function () {
      countdown.textContent = countdown.dataset.template.replace("{n}", left);
      if (left > 0) { left -= 1; setTimeout(tick, 1000); }
    };
    tick();
  }
})();
