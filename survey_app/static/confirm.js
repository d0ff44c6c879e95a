// Ask before a destructive admin action (forms with data-confirm). A static file, not an
// inline handler: the Content-Security-Policy allows scripts from this origin only.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);
