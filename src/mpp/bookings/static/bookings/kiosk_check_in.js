/* Kiosk check-in enhancements; the form and its keypad work without them (each key is a submit).
   - the on-screen keypad types into the code field without a round trip
   - the field keeps the focus, so a USB QR scanner (it types the code and Enter) always lands there */
(function () {
  "use strict";
  var form = document.querySelector("form.ci-form");
  if (!form) { return; }
  var input = form.querySelector("#ci-code");
  var MAX = parseInt(input.getAttribute("maxlength"), 10) || 20;

  function focusField() {
    input.focus({ preventScroll: true });
    var end = input.value.length;
    try { input.setSelectionRange(end, end); } catch (e) { /* not a text field */ }
  }

  form.addEventListener("click", function (event) {
    var key = event.target.closest("button[data-key]");
    if (!key) { return; }
    event.preventDefault();
    var value = input.value;
    if (key.dataset.key === "back") { value = value.slice(0, -1); }
    else if (key.dataset.key === "clear") { value = ""; }
    else if (value.length < MAX) { value += key.dataset.key; }
    input.value = value;
    focusField();
  });

  input.addEventListener("input", function () {
    var upper = input.value.toUpperCase();
    if (upper !== input.value) { input.value = upper; }
  });

  // Tapping elsewhere must not leave the scanner typing into nothing.
  input.addEventListener("blur", function () { setTimeout(focusField, 150); });
  focusField();
})();
