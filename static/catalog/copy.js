// API tab: a "Copy" button beside each ready-to-copy URL (progressive enhancement: without this script the
// read-only fields can still be selected and copied by hand).
(function () {
  "use strict";
  function copy(input, button) {
    var done = function () {
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
    } else {
      input.select();
      try { if (document.execCommand("copy")) { done(); } } catch (error) { /* selected: copy by hand */ }
    }
  }
  document.querySelectorAll(".api-call").forEach(function (call) {
    var input = call.querySelector("input.api-url");
    if (!input) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy: " + (call.querySelector("label") || {}).textContent);
    button.addEventListener("click", function () { copy(input, button); });
    input.insertAdjacentElement("afterend", button);
  });
})();
