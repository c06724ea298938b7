// Card signals without a page reload: "More like this" / "Not interested" on every card,
// 👍/👎 on /for-you. Each form works on its own (POST and a redirect); here it is sent with
// fetch() to the JSON API instead (POST /api/v1/me/recommendations/signals), with the
// form's CSRF token in the X-CSRF-Token header. Anything unexpected submits the form.
"use strict";
(function () {
  var onForYou = window.location.pathname === "/for-you";

  function status() {
    var found = document.getElementById("for-you-status");
    if (!found) {
      found = document.createElement("div");
      found.id = "for-you-status";
      found.className = "visually-hidden";
      found.setAttribute("role", "status");
      document.body.appendChild(found);
    }
    return found;
  }

  function say(text) {
    var line = document.createElement("p");
    line.className = "notice";
    line.textContent = text;
    var region = status();
    region.textContent = "";
    region.appendChild(line);
  }

  function send(event) {
    var form = event.currentTarget;
    var holder = form.closest("[data-paper-id]");
    var token = form.querySelector("input[name=csrf_token]");
    var rating = form.querySelector("input[name=value]");
    var value = rating ? (rating.value === "up" ? 1 : -1) : Number(form.getAttribute("data-value"));
    if (!holder || !token || !value || typeof window.fetch !== "function") {
      return; // the browser submits the form as usual
    }
    event.preventDefault();
    var buttons = holder.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = true;
    }
    var card = form.closest("article.card");
    var title = card ? card.querySelector(".card-title") : null;
    var name = title ? title.textContent.trim() : "this paper";
    window
      .fetch("/api/v1/me/recommendations/signals", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "X-CSRF-Token": token.value,
          "Content-Type": "application/json",
          Accept: "application/json",
        },
        body: JSON.stringify({
          paper_id: holder.getAttribute("data-paper-id"),
          value: value,
          source: rating ? "for_you" : "card",
        }),
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("signal failed: " + response.status);
        }
        if (onForYou && card) {
          card.remove(); // rated papers leave the picks (the next load is re-ranked)
          say((value > 0 ? "Liked “" : "Hidden “") + name + "”: your picks are updated.");
        } else {
          holder.textContent = value > 0 ? "Noted: more like this." : "Hidden from your recommendations.";
          holder.classList.add("done");
        }
      })
      .catch(function () {
        form.submit(); // let the server say what went wrong, on a page
      });
  }

  function enhance() {
    var forms = document.querySelectorAll("form.card-signal, form.rate");
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
