// Latchkey hosted pages: a show-password toggle and a Caps Lock hint beside every password field. Progressive:
// the pages work the same without this script. Labels come from the page (data-* on main.card), in its language.
(function () {
  "use strict";
  var card = document.querySelector("main.card");
  if (!card) {
    return;
  }
  var labels = card.dataset;
  var fields = document.querySelectorAll('input[type="password"]');
  Array.prototype.forEach.call(fields, function (input, index) {
    var id = input.id || "password-" + index;
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "reveal";
    toggle.textContent = labels.show;
    toggle.setAttribute("aria-controls", id);
    toggle.addEventListener("click", function () {
      var reveal = input.type === "password";
      input.type = reveal ? "text" : "password";
      toggle.textContent = reveal ? labels.hide : labels.show;
    });
    // Announced when it changes; empty (and invisible) while Caps Lock is off.
    var hint = document.createElement("p");
    hint.className = "caps";
    hint.id = id + "-caps";
    hint.setAttribute("aria-live", "polite");
    var check = function (event) {
      if (event.getModifierState) {
        hint.textContent = event.getModifierState("CapsLock") ? labels.caps : "";
      }
    };
    input.addEventListener("keydown", check);
    input.addEventListener("keyup", check);
    input.addEventListener("blur", function () {
      hint.textContent = "";
    });
    input.insertAdjacentElement("afterend", hint);
    input.insertAdjacentElement("afterend", toggle);
  });
})();
