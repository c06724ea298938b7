// Upvotes without a page reload: each upvote form (which works on its own, by POST and a
// redirect) is sent with fetch() to the JSON API instead, with the form's CSRF token in
// the X-CSRF-Token header. Anything unexpected falls back to submitting the form.
"use strict";
(function () {
  function label(upvoted, count) {
    // The name starts with the visible count (WCAG 2.5.3, axe's label-content-name-mismatch).
    return count + " upvotes: " + (upvoted ? "remove your upvote" : "upvote");
  }

  function show(form, upvoted, count) {
    var button = form.querySelector("button");
    var shown = form.querySelector(".count");
    var action = form.querySelector("input[name=action]");
    form.classList.toggle("upvoted", upvoted);
    if (button) {
      button.setAttribute("aria-pressed", upvoted ? "true" : "false");
      button.setAttribute("aria-label", label(upvoted, count));
      button.title = upvoted ? "You upvoted this: click to take it back" : "Upvote";
      button.disabled = false;
    }
    if (shown) {
      shown.textContent = String(count);
    }
    if (action) {
      action.value = upvoted ? "remove" : "add";
    }
  }

  function send(event) {
    var form = event.currentTarget;
    var paperId = form.getAttribute("data-paper-id");
    var token = form.querySelector("input[name=csrf_token]");
    var action = form.querySelector("input[name=action]");
    if (!paperId || !token || !action || typeof window.fetch !== "function") {
      return; // the browser submits the form as usual
    }
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) {
      button.disabled = true;
    }
    window
      .fetch("/api/v1/papers/" + encodeURI(paperId) + "/upvote", {
        method: action.value === "remove" ? "DELETE" : "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": token.value, Accept: "application/json" },
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("upvote failed: " + response.status);
        }
        return response.json();
      })
      .then(function (answer) {
        show(form, Boolean(answer.upvoted), Number(answer.upvotes));
      })
      .catch(function () {
        form.submit(); // let the server say what went wrong, on a page
      });
  }

  function enhance() {
    var forms = document.querySelectorAll("form.upvote[method=post]");
    for (var i = 0; i < forms.length; i++) {
      forms[i].addEventListener("submit", send);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
