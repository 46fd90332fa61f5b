// A class member's pages: ask for help, see broadcasts and what the instructor
// did to the sandbox, live over /ws/classroom/ (docs/classroom.md).
(function () {
  "use strict";
  const dock = document.getElementById("class-dock");
  const notices = document.getElementById("class-notices");
  if (!dock || !notices) return;

  const form = dock.querySelector(".help-form");
  const input = form.querySelector("input[name=text]");
  const askButton = dock.querySelector("[data-action=ask-help]");
  const status = dock.querySelector(".help-status");
  const statusText = dock.querySelector(".help-status-text");
  const MAX_BACKOFF_S = 30;
  const DISMISSED = "dockyard-dismissed-broadcasts";
  let helpId = dock.dataset.helpId || "";
  let attempt = 0;

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url, fields) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: new URLSearchParams(fields),
    }).then((response) => response.json().then((body) => {
      if (!response.ok) throw new Error(body.error || response.statusText);
      return body;
    }));
  }

  function fill(template, name) {
    return (template || "").replace("{name}", name || "");
  }

  // -- help ------------------------------------------------------------------

  function showHelp(state, by) {
    dock.dataset.helpState = state;
    const open = state === "open" || state === "seen";
    askButton.hidden = open || state === "resolved";
    status.hidden = state === "none";
    status.querySelector("[data-action=cancel-help]").hidden = !open;
    if (state === "open") statusText.textContent = dock.dataset.textOpen;
    else if (state === "seen") statusText.textContent = fill(dock.dataset.textSeen, by || dock.dataset.helpSeenBy);
    else if (state === "resolved") {
      statusText.textContent = dock.dataset.textResolved;
      setTimeout(() => { if (dock.dataset.helpState === "resolved") showHelp("none"); }, 8000);
    }
  }

  function showForm(shown) {
    form.hidden = !shown;
    askButton.setAttribute("aria-expanded", String(shown));
    if (shown) input.focus();
  }

  askButton.addEventListener("click", () => showForm(form.hidden));
  dock.querySelector("[data-action=close-help]").addEventListener("click", () => showForm(false));
  document.addEventListener("keydown", (event) => { if (event.key === "Escape" && !form.hidden) showForm(false); });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const lesson = document.querySelector(".lesson-text[data-lesson]");
    post(dock.dataset.helpUrl, { text: input.value, lesson: lesson ? lesson.dataset.lesson : "" })
      .then((answer) => {
        helpId = String(answer.ids[0] || "");
        showForm(false);
        input.value = "";
        showHelp("open");
      })
      .catch(() => {
        statusText.textContent = dock.dataset.textFailed;
        status.hidden = false;
        status.querySelector("[data-action=cancel-help]").hidden = true;
      });
  });
  status.querySelector("[data-action=cancel-help]").addEventListener("click", () => {
    if (!helpId) return;
    post(dock.dataset.cancelUrl.replace("/0/", "/" + encodeURIComponent(helpId) + "/"), {})
      .then(() => showHelp("resolved"));
  });

  // -- notices: broadcasts and what happened to the sandbox ----------------------

  function dismissed() {
    try { return JSON.parse(sessionStorage.getItem(DISMISSED) || "[]"); } catch (e) { return []; }
  }

  function notice(kind, from, text, id) {
    const item = document.createElement("p");
    item.className = "class-notice notice-" + kind;
    if (id) item.dataset.broadcast = id;
    if (from) {
      const who = document.createElement("span");
      who.className = "notice-from";
      who.textContent = from + ":";
      item.append(who, " ");
    }
    const body = document.createElement("span");
    body.className = "notice-text";
    body.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "notice-close";
    close.setAttribute("aria-label", notices.dataset.textClose);
    close.textContent = "×";
    item.append(body, close);
    notices.prepend(item);
    while (notices.children.length > 3) notices.lastElementChild.remove();
  }

  notices.addEventListener("click", (event) => {
    const close = event.target.closest(".notice-close");
    if (!close) return;
    const item = close.closest(".class-notice");
    if (item.dataset.broadcast) {
      sessionStorage.setItem(DISMISSED, JSON.stringify(dismissed().concat([item.dataset.broadcast]).slice(-50)));
    }
    item.remove();
  });
  notices.querySelectorAll("[data-broadcast]").forEach((item) => {
    if (dismissed().includes(item.dataset.broadcast)) item.remove();
  });

  function onMessage(message) {
    if (message.type === "broadcast") {
      notice("broadcast", message.by, message.text, String(message.id));
    } else if (message.type === "help") {
      if (String(message.id) === helpId || !helpId) { helpId = String(message.id); showHelp(message.state, message.by); }
    } else if (message.type === "sandbox") {
      const template = notices.dataset["text" + message.action.charAt(0).toUpperCase() + message.action.slice(1)];
      let text = fill(template, message.by);
      if (message.progress_cleared) text += " " + notices.dataset.textProgressCleared;
      notice("sandbox", "", text);
      document.dispatchEvent(new CustomEvent("dockyard:sandbox-control", { detail: message }));
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + dock.dataset.wsPath);
    socket.onopen = () => { attempt = 0; dock.dataset.connected = "true"; };
    socket.onmessage = (event) => {
      try { onMessage(JSON.parse(event.data)); } catch (e) { console.warn(e); }
    };
    socket.onclose = (event) => {
      dock.dataset.connected = "false";
      if (event.code === 4403) return;
      attempt += 1;
      const delay = Math.min(MAX_BACKOFF_S, Math.pow(2, attempt - 1)) * (0.75 + Math.random() * 0.5);
      setTimeout(connect, delay * 1000);
    };
  }

  showHelp(dock.dataset.helpState || "none");
  connect();
})();
