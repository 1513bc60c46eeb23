// The speaker's timer counts down between the server's updates (every few seconds);
// without JavaScript the page shows the seconds left at its last refresh.
(function () {
  "use strict";
  setInterval(function () {
    document.querySelectorAll(".timer[data-remaining]").forEach(function (el) {
      var left = parseInt(el.getAttribute("data-remaining"), 10) - 1;
      el.setAttribute("data-remaining", String(left));
      el.textContent = (left < 0 ? "-" : "") + Math.abs(left) + " s";
      el.classList.toggle("over", left < 0);
    });
  }, 1000);
})();
