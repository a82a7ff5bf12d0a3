// Enable the confirm button only after the end of the text has been on screen.
(function () {
  "use strict";
  var end = document.getElementById("end-of-text");
  var button = document.getElementById("confirm");
  var form = document.getElementById("confirm-form");
  if (!end || !button || !form) return;
  // the confirm panel sticks to the bottom of the screen: the end counts as shown only above it
  function panel() { return form.getBoundingClientRect().height; }
  function unlock() {
    if (!button.disabled) return;
    button.disabled = false;
    button.textContent = button.getAttribute("data-ready");
    button.setAttribute("data-unlocked", "1");
  }
  function check() {
    var r = end.getBoundingClientRect();
    var visible = (window.innerHeight || document.documentElement.clientHeight) - panel();
    if (r.bottom <= visible && r.bottom > 0) {
      unlock();
      window.removeEventListener("scroll", check);
      window.removeEventListener("resize", check);
    }
  }
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries, obs) {
      entries.forEach(function (e) { if (e.isIntersecting && e.intersectionRatio >= 0.99) { unlock(); obs.disconnect(); } });
    }, { rootMargin: "0px 0px -" + Math.ceil(panel()) + "px 0px", threshold: [0, 0.99, 1] }).observe(end);
  }
  window.addEventListener("scroll", check, { passive: true });
  window.addEventListener("resize", check);
  check();
  form.addEventListener("submit", function (ev) {
    if (button.disabled) { ev.preventDefault(); return; }
    button.disabled = true;  // one click, one record
  });
})();
