/* Article pages: a copy button on each code block. Progressive enhancement: without
   JavaScript the code is still there to select; nothing here is needed to read. */
(function () {
  "use strict";
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }
  function addButton(block) {
    var code = block.querySelector("pre code") || block.querySelector("pre");
    if (!code) return;
    var lang = block.getAttribute("data-lang");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-code";
    button.textContent = "Copy";
    button.setAttribute("aria-label", lang ? "Copy " + lang + " code" : "Copy code");
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    var timer = 0;
    button.addEventListener("click", function () {
      copy(code.textContent).then(function () {
        button.textContent = "Copied";
        status.textContent = "Code copied to the clipboard";
      }, function () {
        button.textContent = "Select and copy";
        status.textContent = "Copying failed; select the code and copy it";
      });
      clearTimeout(timer);
      timer = setTimeout(function () { button.textContent = "Copy"; status.textContent = ""; }, 2500);
    });
    block.classList.add("has-copy");
    block.insertBefore(button, block.firstChild);
    block.appendChild(status);
  }
  var blocks = document.querySelectorAll(".e-content .code-block");
  for (var i = 0; i < blocks.length; i++) addButton(blocks[i]);
})();
