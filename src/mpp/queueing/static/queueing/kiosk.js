/* Kiosk enhancements; the forms work without them.
   - one tap issues one ticket: the button is disabled after the first submit
   - an idle confirm screen goes back to the start for the next citizen */
(function () {
  "use strict";
  var IDLE_MS = 60000;

  document.querySelectorAll("form.issue-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent === "1") { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var button = form.querySelector("button[type=submit]");
      if (button) {
        // Disable after the submit has been dispatched, or the form would be sent without it.
        setTimeout(function () {
          button.disabled = true;
          if (button.dataset.busyLabel) { button.textContent = button.dataset.busyLabel; }
        }, 0);
      }
    });
  });

  // Coming back with the Back button (page from the back-forward cache): allow a new submit.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form.issue-form").forEach(function (form) {
      form.dataset.sent = "";
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = false; }
    });
  });

  var idleBox = document.querySelector("[data-idle-url]");
  var timer = null;
  function arm() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (idleBox) { window.location.href = idleBox.dataset.idleUrl; }
      else { window.scrollTo(0, 0); }
    }, IDLE_MS);
  }
  ["pointerdown", "keydown", "scroll"].forEach(function (name) {
    window.addEventListener(name, arm, { passive: true });
  });
  arm();
})();
