// Small behaviours shared by every page; each page works without them.
// Kept out of the HTML so the Content-Security-Policy can forbid inline script.
document.addEventListener("click", function (event) {
  // "Go back" links: return to the page the person came from, form values kept,
  // when there is one; otherwise follow the link's own address.
  var link = event.target.closest && event.target.closest("a[data-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

// htmx leaves error answers unswapped; ours say what was wrong and point htmx at the
// message area (HX-Retarget, see web/errors.py): show them there, the form untouched.
document.addEventListener("htmx:beforeSwap", function (event) {
  var xhr = event.detail.xhr;
  if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// Printing: what folds on the screen (long lists, "N more") prints in full, then folds
// again as it was.
var openedForPrint = [];
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details:not([open])").forEach(function (details) {
    details.open = true;
    openedForPrint.push(details);
  });
});
window.addEventListener("afterprint", function () {
  openedForPrint.forEach(function (details) { details.open = false; });
  openedForPrint = [];
});
