// The search filters are a <details>: collapsed on phones, open on wide screens (where the
// summary is hidden by site.css). Without script they stay collapsed and still work.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 48rem)");
  var filters = document.querySelector("details.search-filters");
  if (!filters) return;
  function follow() {
    if (wide.matches) filters.open = true;
  }
  follow();
  wide.addEventListener("change", follow);
})();
