/* Manager's "today" page, enhanced; it works without this file (the "Reload now" link).

   Instead of a forced reload (a meta refresh moves a screen reader back to the top and
   loses the place of anyone reading a row), the figures and the per-service table are
   fetched again every data-refresh seconds while the tab is visible and swapped in
   place; the "as of" time says when. Nothing is swapped while the keyboard focus is
   inside them (someone is reading or scrolling the table): the next round catches up. */
(function () {
  "use strict";
  var fresh = document.getElementById("today-fresh");
  var live = document.getElementById("today-live");
  if (!fresh || !live || !window.fetch || !window.DOMParser) { return; }
  var seconds = parseInt(fresh.dataset.refresh, 10) || 30;
  var time = fresh.querySelector("[data-today-time]");
  var auto = fresh.querySelector("[data-today-auto]");
  if (auto) { auto.hidden = false; }
  var busy = false;

  function update() {
    if (busy || document.hidden || live.contains(document.activeElement)) { return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.getElementById("today-live");
        var nextTime = doc.querySelector("#today-fresh [data-today-time]");
        if (!next) { return; }
        live.innerHTML = next.innerHTML;
        if (time && nextTime) { time.textContent = nextTime.textContent; }
        fresh.classList.remove("is-stale");
      })
      .catch(function () { fresh.classList.add("is-stale"); })
      .then(function () { busy = false; });
  }

  window.setInterval(update, seconds * 1000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { update(); }
  });
})();
