// The report page while a report is being built: look again every few seconds (the
// element with data-reload says how many). A script rather than <meta http-equiv=refresh>,
// which axe flags (WCAG 2.2.1); without JavaScript the "Kiểm tra lại" link does the same.
document.addEventListener("DOMContentLoaded", function () {
  var marked = document.querySelector("[data-reload]");
  if (marked) {
    var seconds = parseInt(marked.getAttribute("data-reload"), 10) || 5;
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
});
