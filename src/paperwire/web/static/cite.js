// "Copy" for the paper page's BibTeX. External file: the CSP allows no inline script.
// Without script (or clipboard access) the <pre> stays selectable by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent).then(function () {
        button.textContent = "Copied";
      }, function () {
        button.textContent = "Copy failed: select the text";
      });
      window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
    });
  });
})();
