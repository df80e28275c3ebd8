/* Screens that go back by themselves (kiosk, survey tablet): <meta name="mpp-reload"
   content="SECONDS;url=ADDRESS"> is read here and followed with a timer, so no
   <meta http-equiv="refresh"> is needed while JavaScript runs (screen readers and axe
   treat a forced refresh as a barrier). Pages keep a <noscript> refresh for screens
   without JavaScript. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="mpp-reload"]');
  if (!meta) { return; }
  var parts = (meta.getAttribute("content") || "").split(";url=");
  var seconds = parseInt(parts[0], 10);
  if (!(seconds > 0)) { return; }
  var target = parts[1] || window.location.href;
  window.setTimeout(function () { window.location.replace(target); }, seconds * 1000);
})();
