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
