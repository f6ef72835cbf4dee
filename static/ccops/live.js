// Pages that update themselves: every element with data-live-poll="<seconds>" is sent the
// htmx event "livepoll" (its hx-trigger) every that-many seconds while the tab is visible,
// and once at once when the tab becomes visible again. Hidden tabs cost the server nothing.
// A static file, not inline script or an hx-trigger filter: the CSP allows neither.
(function () {
  "use strict";
  var timers = {};

  function fire(seconds) {
    if (document.visibilityState !== "visible" || !window.htmx) return;
    var selector = seconds ? '[data-live-poll="' + seconds + '"]' : "[data-live-poll]";
    document.querySelectorAll(selector).forEach(function (el) {
      window.htmx.trigger(el, "livepoll");
    });
  }

  function start() {
    document.querySelectorAll("[data-live-poll]").forEach(function (el) {
      var seconds = parseInt(el.getAttribute("data-live-poll"), 10);
      if (!(seconds > 0) || timers[seconds]) return;
      timers[seconds] = window.setInterval(function () { fire(String(seconds)); }, seconds * 1000);
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") fire(null);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
