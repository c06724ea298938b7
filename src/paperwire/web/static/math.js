// Renders TeX in titles and abstracts (elements with class "tex") with the local KaTeX.
// Untrusted input: no \href/\url/\html* (trust: false), bounded macro expansion and sizes,
// and bad TeX stays visible as its source text (auto-render puts the raw text back when a
// formula fails to parse), wrapped like the words around it, so nothing widens the page.
"use strict";
(function () {
  var options = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    trust: false,
    maxExpand: 1000,
    maxSize: 10,
    // A ParseError makes auto-render keep the formula's source as a plain text node.
    throwOnError: true,
    errorCallback: function () {},
    strict: "ignore",
  };
  function render() {
    if (typeof window.renderMathInElement !== "function") {
      return; // KaTeX did not load: the raw TeX stays readable
    }
    var elements = document.querySelectorAll(".tex");
    for (var i = 0; i < elements.length; i++) {
      try {
        window.renderMathInElement(elements[i], options);
      } catch (error) {
        // One broken formula must not stop the others.
      }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
