// Compact or comfortable cards, remembered in localStorage. External file: the CSP
// allows no inline script. Without script the toggle stays hidden and cards are comfortable.
(function () {
  "use strict";
  var KEY = "paperwire.density";
  var root = document.documentElement;

  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function store(value) {
    try { window.localStorage.setItem(KEY, value); } catch (e) { /* private mode */ }
  }
  function apply(compact) {
    root.classList.toggle("density-compact", compact);
    document.querySelectorAll(".density-toggle").forEach(function (button) {
      button.setAttribute("aria-pressed", compact ? "true" : "false");
      button.textContent = compact ? "Comfortable view" : "Compact view";
    });
  }

  apply(stored() === "compact");
  document.querySelectorAll(".density").forEach(function (box) { box.hidden = false; });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".density-toggle") : null;
    if (!button) { return; }
    var compact = !root.classList.contains("density-compact");
    store(compact ? "compact" : "comfortable");
    apply(compact);
  });
})();
