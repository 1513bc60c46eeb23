// Tap-to-rank on top of the plain form: tapping a candidate gives them the next
// rank; tapping a ranked one takes them out and closes the gap. The selects stay
// the source of truth, so the server sees exactly what it sees without JavaScript.
(function () {
  "use strict";
  var form = document.getElementById("ballot");
  if (!form || form.dataset.ranked !== "1") { return; }
  document.documentElement.classList.add("js");
  var hint = form.querySelector(".js-only");
  if (hint) { hint.hidden = false; }
  var rows = Array.prototype.slice.call(form.querySelectorAll(".ballot-row"));
  function selectOf(row) { return row.querySelector("select.rank"); }
  function ranked() {
    return rows.filter(function (r) { return selectOf(r).value !== ""; })
      .sort(function (a, b) { return selectOf(a).value - selectOf(b).value; });
  }
  function paint() {
    rows.forEach(function (r) { r.classList.toggle("ranked", selectOf(r).value !== ""); });
  }
  rows.forEach(function (row) {
    row.addEventListener("click", function (event) {
      if (event.target.tagName === "SELECT" || event.target.tagName === "OPTION") { return; }
      event.preventDefault();
      var select = selectOf(row);
      if (select.value === "") {
        select.value = String(ranked().length + 1);
      } else {
        select.value = "";
        ranked().forEach(function (r, i) { selectOf(r).value = String(i + 1); });
      }
      paint();
    });
    selectOf(row).addEventListener("change", paint);
  });
  paint();
}());
