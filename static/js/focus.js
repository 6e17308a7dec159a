// After an action, move focus to what it produced: the error summary if the page has one,
// otherwise the message saying what was done. Without this, focus stays at the top of the body
// and a screen reader user has to look for the result. Served from 'self' (no inline script).
(function () {
  "use strict";
  function focusResult() {
    var main = document.getElementById("main-content");
    if (!main) {
      return;
    }
    var target = main.querySelector("[data-focus-error], .usa-alert--error[role='alert']")
      || main.querySelector("[data-focus-result]");
    if (!target) {
      return;
    }
    var details = target.closest("details");
    if (details) {
      details.open = true;
    }
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusResult);
  } else {
    focusResult();
  }
  // An address with a fragment (#timeline after saving a note): the browser clears the focus
  // when it scrolls to the fragment, after the page has loaded. Move it to the result again.
  if (window.location.hash) {
    window.addEventListener("load", function () {
      window.setTimeout(focusResult, 0);
    });
  }
})();
