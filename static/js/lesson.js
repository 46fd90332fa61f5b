// Copy buttons on lesson code blocks, and step checks. Run buttons belong to
// the terminal script.
(function () {
  "use strict";

  function codeText(block) {
    if (block.dataset.commands) {
      try {
        return JSON.parse(block.dataset.commands)
          .map(function (command) { return typeof command === "string" ? command : command.text; })
          .join("\n");
      } catch (e) { /* fall through */ }
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

  // -- steps ------------------------------------------------------------------
  var article = document.querySelector(".lesson-text[data-lesson]");

  function setStepState(stepId, state) {
    var selector = '[data-step="' + (window.CSS && CSS.escape ? CSS.escape(stepId) : stepId) + '"]';
    document.querySelectorAll(".step" + selector + ", .toc-step" + selector).forEach(function (el) {
      // A passed step stays passed, as it does on the server.
      if (el.dataset.state !== "passed") el.dataset.state = state;
    });
  }

  function showMessage(section, text, passed) {
    var box = section.querySelector(".check-message");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
    box.classList.toggle("check-passed", !!passed);
    box.classList.toggle("check-failed", !passed);
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-action=check]");
    if (!button || !article) return;
    var section = button.closest(".step");
    if (!section) return;
    var url = article.dataset.checkUrl.replace("STEP", encodeURIComponent(section.dataset.step));
    button.disabled = true;
    button.classList.add("checking");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
    })
      .then(function (response) {
        return response.json().catch(function () { return { passed: false, message: response.statusText }; });
      })
      .then(function (answer) {
        setStepState(section.dataset.step, answer.passed ? "passed" : "in-progress");
        showMessage(section, answer.message, answer.passed);
      })
      .catch(function () { showMessage(section, article.dataset.textCheckError || "Error", false); })
      .finally(function () {
        button.disabled = false;
        button.classList.remove("checking");
      });
  });

  // Checks the server ran after a command in the terminal (terminal.js).
  document.addEventListener("dockyard:check", function (event) {
    var result = event.detail || {};
    if (!article || result.lesson !== article.dataset.lesson || !result.passed) return;
    setStepState(result.step, "passed");
    var section = document.querySelector('.step[data-step="' + result.step + '"]');
    if (section) showMessage(section, result.message, true);
  });
})();
