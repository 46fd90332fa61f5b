// The Files tab beside the terminal: browse, open, edit and save files in the
// student's own sandbox. JSON API: sandbox/files_views.py. Editor: Ace, vendored
// in static/vendor/ace-*/ (scripts/vendor-editor.sh), no build step.
(function () {
  "use strict";
  const pane = document.getElementById("editor-pane");
  const sandboxPane = document.getElementById("terminal-pane");
  if (!pane || !sandboxPane || !window.ace) return;

  const $ = (selector) => pane.querySelector(selector);
  const text = (key) => pane.dataset["text" + key] || key;
  const csrfToken = $("input[name=csrfmiddlewaretoken]").value;
  const tabs = Array.from(sandboxPane.querySelectorAll(".pane-tab"));
  const dirtyDot = sandboxPane.querySelector(".editor-dirty-dot");
  const folderEl = $(".editor-folder");
  const list = $(".editor-list");
  const upButton = $("[data-action=up]");
  const newForm = $(".editor-new");
  const filenameEl = $(".editor-filename");
  const modifiedEl = $(".editor-modified");
  const stateEl = $(".editor-state");
  const saveButton = $("[data-action=save]");
  const messageEl = $(".editor-message");
  const aceHost = $(".editor-ace");

  const THEMES = { dark: "ace/theme/tomorrow_night", light: "ace/theme/chrome" };
  const MODES_BY_EXTENSION = {
    sh: "sh", bash: "sh", html: "html", htm: "html", css: "css", js: "javascript", mjs: "javascript",
    cjs: "javascript", json: "json", py: "python", yml: "yaml", yaml: "yaml", md: "markdown", markdown: "markdown",
  };
  const SHELL_FILES = [".bashrc", ".profile", ".bash_profile", ".bash_logout", ".bash_aliases"];

  window.ace.config.set("basePath", pane.dataset.aceBase);
  const UndoManager = window.ace.require("ace/undomanager").UndoManager;
  const editor = window.ace.edit(aceHost, {
    useWorker: false,
    showPrintMargin: false,
    fontSize: 14,
    fontFamily: '"DejaVu Sans Mono", "Noto Sans Mono CJK SC", Menlo, Consolas, monospace',
    readOnly: true,
    theme: THEMES[localStorage.getItem("dockyard-editor-theme") || "dark"] || THEMES.dark,
  });
  editor.setValue(text("NoFile"), -1);
  editor.renderer.setShowGutter(false);

  let folder = localStorage.getItem("dockyard-editor-folder") || "~";
  let current = null; // {path, version, overwrite}
  let listed = false; // the folder listing has loaded once
  let lastReason = null; // why the last request failed, if it did
  let saving = false;

  // -- helpers ---------------------------------------------------------------

  function modeFor(path, content) {
    const name = path.split("/").pop().toLowerCase();
    if (/^(dockerfile|containerfile)([.-].*)?$/.test(name) || name.endsWith(".dockerfile")) return "ace/mode/dockerfile";
    const extension = name.includes(".") ? name.split(".").pop() : "";
    if (MODES_BY_EXTENSION[extension]) return "ace/mode/" + MODES_BY_EXTENSION[extension];
    if (SHELL_FILES.includes(name)) return "ace/mode/sh";
    const firstLine = content.slice(0, 200).split("\n")[0];
    if (/^#!.*\b(ba|da)?sh\b/.test(firstLine)) return "ace/mode/sh";
    if (/^#!.*python/.test(firstLine)) return "ace/mode/python";
    if (/^#!.*node/.test(firstLine)) return "ace/mode/javascript";
    return "ace/mode/text";
  }

  function join(dir, name) {
    if (name.startsWith("~") || name.startsWith("/")) return name;
    return (dir === "~" ? "~" : dir) + "/" + name;
  }

  function parentOf(path) {
    const cut = path.lastIndexOf("/");
    return cut > 0 ? path.slice(0, cut) : "~";
  }

  async function api(url, options) {
    let response;
    try {
      response = await fetch(url, Object.assign({ credentials: "same-origin" }, options));
    } catch (e) {
      throw Object.assign(new Error(text("Network")), { reason: "network" });
    }
    let body = null;
    try { body = await response.json(); } catch (e) { /* not JSON: a proxy's error page */ }
    if (!response.ok) {
      throw Object.assign(new Error((body && body.error) || text("Network")), { reason: body && body.reason });
    }
    lastReason = null;
    return body;
  }

  function showError(error) {
    lastReason = error ? error.reason || "error" : null;
    messageEl.textContent = error ? error.message : "";
    messageEl.hidden = !error;
  }

  function setState(message) { stateEl.textContent = message || ""; }

  function isDirty() {
    return current !== null && !editor.session.getUndoManager().isClean();
  }

  function updateDirty() {
    const dirty = isDirty();
    modifiedEl.hidden = !dirty;
    dirtyDot.hidden = !dirty;
    saveButton.disabled = current === null || saving;
    if (dirty) setState("");
  }

  // -- the folder listing -----------------------------------------------------

  async function listFolder(path) {
    try {
      const data = await api(pane.dataset.listUrl + "?" + new URLSearchParams({ path }));
      folder = data.path;
      listed = true;
      localStorage.setItem("dockyard-editor-folder", folder);
      renderListing(data);
      showError(null);
    } catch (error) {
      if (error.reason === "not-found" && path !== "~") return listFolder("~");
      showError(error);
    }
  }

  function renderListing(data) {
    folderEl.textContent = data.path;
    folderEl.title = data.path;
    upButton.disabled = !data.parent;
    upButton.dataset.path = data.parent || "";
    const items = data.entries.map((entry) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "editor-entry";
      button.dataset.kind = entry.kind;
      button.dataset.path = join(data.path, entry.name);
      button.title = entry.kind === "file" ? `${entry.name} · ${entry.size} B` : entry.name;
      const icon = document.createElement("span");
      icon.className = "icon";
      icon.setAttribute("aria-hidden", "true");
      icon.textContent = entry.kind === "dir" ? "▸" : entry.kind === "file" ? "·" : "?";
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = entry.name + (entry.kind === "dir" ? "/" : "");
      button.append(icon, name);
      if (entry.link) {
        const link = document.createElement("span");
        link.className = "link";
        link.textContent = "↪";
        link.title = text("Symlink");
        button.append(link);
      }
      if (current && button.dataset.path === current.path) button.setAttribute("aria-current", "true");
      item.append(button);
      return item;
    });
    if (!items.length || data.truncated) {
      const note = document.createElement("li");
      note.className = "editor-note";
      note.textContent = items.length ? text("Truncated") : text("Empty");
      items.push(note);
    }
    list.replaceChildren(...items);
  }

  function markCurrentInList() {
    for (const button of list.querySelectorAll(".editor-entry")) {
      if (current && button.dataset.path === current.path) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  // -- opening and saving -----------------------------------------------------

  async function openFile(path) {
    if (isDirty() && !window.confirm(text("Unsaved"))) return;
    setState(text("Loading"));
    try {
      const data = await api(pane.dataset.readUrl + "?" + new URLSearchParams({ path }));
      const session = window.ace.createEditSession(data.content, modeFor(data.path, data.content));
      session.setUndoManager(new UndoManager());
      session.setUseSoftTabs(true);
      session.setTabSize(/\.(ya?ml|json|html?|css)$/i.test(data.path) ? 2 : 4);
      session.on("change", updateDirty);
      editor.setSession(session);
      editor.setReadOnly(false);
      editor.renderer.setShowGutter(true);
      current = { path: data.path, version: data.version, overwrite: false };
      filenameEl.textContent = data.path;
      filenameEl.title = data.path;
      showError(null);
      setState("");
      markCurrentInList();
      updateDirty();
      editor.focus();
    } catch (error) {
      setState("");
      showError(error);
    }
  }

  async function saveFile() {
    if (!current || saving) return;
    const session = editor.session;
    const content = session.getValue();
    const target = current;
    saving = true;
    updateDirty();
    setState(text("Saving"));
    try {
      const data = await api(pane.dataset.saveUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify({ path: target.path, content, version: target.overwrite ? null : target.version }),
      });
      target.version = data.version;
      target.overwrite = false;
      if (session.getValue() === content) session.getUndoManager().markClean();
      showError(null);
      setState(text("Saved"));
      if (parentOf(target.path) === folder) listFolder(folder);
    } catch (error) {
      setState("");
      showError(error);
      // "Changed since you opened it": the message offers saving again to overwrite.
      if (error.reason === "changed") target.overwrite = true;
    } finally {
      saving = false;
      updateDirty();
    }
  }

  async function createFile(name) {
    const path = join(folder, name.trim());
    try {
      await api(pane.dataset.saveUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
        body: JSON.stringify({ path, content: "", version: "" }),
      });
    } catch (error) {
      showError(error);
      return false;
    }
    await listFolder(parentOf(path));
    await openFile(path);
    return true;
  }

  // -- tabs ---------------------------------------------------------------------

  function showTab(name) {
    sandboxPane.dataset.tab = name;
    pane.hidden = name !== "files";
    for (const tab of tabs) tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
    if (name === "files") {
      editor.resize();
      if (!listed || lastReason) listFolder(folder);
    } else if (window.dockyardTerminal) {
      window.dockyardTerminal.term.focus();
    }
  }

  // -- events -------------------------------------------------------------------

  for (const tab of tabs) tab.addEventListener("click", () => showTab(tab.dataset.tab));

  list.addEventListener("click", (event) => {
    const button = event.target.closest(".editor-entry");
    if (!button) return;
    if (button.dataset.kind === "dir") listFolder(button.dataset.path);
    else openFile(button.dataset.path);
  });
  upButton.addEventListener("click", () => { if (upButton.dataset.path) listFolder(upButton.dataset.path); });
  $("[data-action=refresh]").addEventListener("click", () => listFolder(folder));
  saveButton.addEventListener("click", saveFile);
  $("[data-action=theme]").addEventListener("click", () => {
    const next = editor.getTheme() === THEMES.dark ? "light" : "dark";
    editor.setTheme(THEMES[next]);
    localStorage.setItem("dockyard-editor-theme", next);
  });
  newForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = newForm.elements.name;
    if (input.value.trim() && (await createFile(input.value))) input.value = "";
  });

  editor.commands.addCommand({
    name: "save",
    bindKey: { win: "Ctrl-S", mac: "Command-S" },
    exec: () => saveFile(),
  });
  document.addEventListener("keydown", (event) => {
    if (pane.hidden || !(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "s") return;
    event.preventDefault(); // the browser's "Save page" is never what is meant here
    saveFile();
  });

  // A lesson's Run button types into the terminal: show it.
  document.addEventListener("click", (event) => {
    if (event.target.closest(".runnable [data-action=run]")) showTab("terminal");
  });

  // Once the sandbox is up, a listing that failed because it was not running is retried.
  new MutationObserver(() => {
    const state = sandboxPane.dataset.state;
    if (!pane.hidden && lastReason === "not-running" && (state === "ready" || state === "engine-ready")) {
      listFolder(folder);
    }
  }).observe(sandboxPane, { attributes: true, attributeFilter: ["data-state"] });

  window.addEventListener("beforeunload", (event) => {
    if (isDirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  window.dockyardEditor = { editor, showTab, openFile, listFolder, get current() { return current; } };
})();
