// Copy buttons on lesson code blocks. Run buttons belong to the terminal script.
(function () {
  "use strict";

  function codeText(block) {
    if (block.dataset.commands) {
      try { return JSON.parse(block.dataset.commands).join("\n"); } catch (e) { /* fall through */ }
    }
    var pre = block.querySelector("pre");
    return pre ? pre.textContent.replace(/\n$/, "") : "";
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
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

  function flash(button, cls) {
    button.classList.add(cls);
    setTimeout(function () { button.classList.remove(cls); }, 1200);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action=copy]");
    if (!button) return;
    var block = button.closest(".code-block");
    if (!block) return;
    copy(codeText(block)).then(
      function () { flash(button, "copied"); },
      function () { flash(button, "copy-failed"); }
    );
  });
})();
