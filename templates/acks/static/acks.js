// Enable the confirm button only after the end of the text has been on screen.
(function () {
  "use strict";
  var end = document.getElementById("end-of-text");
  var button = document.getElementById("confirm");
  if (!end || !button) return;
  function unlock() {
    if (!button.disabled) return;
    button.disabled = false;
    button.textContent = button.getAttribute("data-ready");
    button.setAttribute("data-unlocked", "1");
  }
  function check() {
    var r = end.getBoundingClientRect();
    if (r.top < (window.innerHeight || document.documentElement.clientHeight) && r.bottom > 0) {
      unlock();
      window.removeEventListener("scroll", check);
      window.removeEventListener("resize", check);
    }
  }
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries, obs) {
      entries.forEach(function (e) { if (e.isIntersecting) { unlock(); obs.disconnect(); } });
    }).observe(end);
  }
  window.addEventListener("scroll", check, { passive: true });
  window.addEventListener("resize", check);
  var form = document.getElementById("confirm-form");
  form.addEventListener("submit", function (ev) {
    if (button.disabled) { ev.preventDefault(); return; }
    button.disabled = true;  // one click, one record
  });
})();
