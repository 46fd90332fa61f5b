// The lesson page's terminal: xterm.js over a websocket to the student's sandbox.
// Protocol: docs/terminal-protocol.md. Binary frames are terminal bytes; text
// frames are JSON control messages. Written bytes are acknowledged once xterm.js
// has processed them, so a flood never outruns the browser (flow control).
(function () {
  "use strict";
  const pane = document.getElementById("terminal-pane");
  if (!pane || !pane.dataset.wsPath || !window.Terminal) return;

  const ACK_EVERY = 64 * 1024; // acknowledge at least this often…
  const ACK_DELAY_MS = 20; // …or this soon after the last processed write
  const MAX_BACKOFF_S = 30;
  // Keystrokes in flight: the server acknowledges what it wrote to the shell
  // ("input-ack"); past this window the page waits, so a shell that stops
  // reading (or a huge paste) never piles input up in the server.
  const INPUT_WINDOW = 64 * 1024;
  const INPUT_CHUNK = 16 * 1024;
  const readOnly = pane.dataset.readOnly === "true";
  const statusEl = pane.querySelector(".terminal-status");
  const host = pane.querySelector(".terminal-host");
  const encoder = new TextEncoder();

  const term = new window.Terminal({
    cursorBlink: !readOnly,
    disableStdin: readOnly,
    convertEol: false,
    scrollback: 5000,
    fontFamily: '"DejaVu Sans Mono", "Noto Sans Mono CJK SC", Menlo, Consolas, monospace',
    fontSize: 14,
    theme: { background: "#0f172a" },
  });
  const fit = new window.FitAddon.FitAddon();
  term.loadAddon(fit);
  term.loadAddon(new window.WebLinksAddon.WebLinksAddon());
  term.open(host);
  fit.fit();

  let socket = null;
  let attempt = 0;
  let retryTimer = null;
  let ended = false; // the server said not to retry (full classroom is retried, though)
  let unacked = 0;
  let ackTimer = null;
  let inputInFlight = 0;
  let inputQueue = [];

  function setStatus(key, cls, extra) {
    let text = statusEl.dataset["text" + key.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())] || key;
    if (extra !== undefined) text = text.replace("%s", extra);
    statusEl.textContent = text;
    statusEl.className = "terminal-status status-" + cls;
    pane.dataset.state = key;
  }

  function sendControl(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function flushAck() {
    ackTimer = null;
    if (unacked > 0) {
      sendControl({ type: "ack", bytes: unacked });
      unacked = 0;
    }
  }

  function processed(count) {
    unacked += count;
    if (unacked >= ACK_EVERY) flushAck();
    else if (!ackTimer) ackTimer = setTimeout(flushAck, ACK_DELAY_MS);
  }

  function sendInput(bytes) {
    if (readOnly || !socket || socket.readyState !== WebSocket.OPEN) return;
    for (let i = 0; i < bytes.byteLength; i += INPUT_CHUNK) inputQueue.push(bytes.subarray(i, i + INPUT_CHUNK));
    pumpInput();
  }

  function pumpInput() {
    while (inputQueue.length && inputInFlight < INPUT_WINDOW && socket && socket.readyState === WebSocket.OPEN) {
      const chunk = inputQueue.shift();
      socket.send(chunk);
      inputInFlight += chunk.byteLength;
    }
  }

  const notice = pane.querySelector(".terminal-notice");
  function showDiskNotice(message) {
    if (!notice) return;
    const size = (bytes) => (bytes / 1073741824).toFixed(1) + " GB";
    notice.textContent = notice.dataset.textDiskFull
      .replace("{used}", size(message.used)).replace("{size}", size(message.size));
    notice.hidden = !message.full;
  }

  function sendSize() {
    sendControl({ type: "resize", cols: term.cols, rows: term.rows });
  }

  function onControl(message) {
    if (message.type === "status") {
      switch (message.state) {
        case "starting":
          setStatus(message.step === "engine" ? "engine" : message.step === "workspace" ? "workspace" : "starting", "starting");
          break;
        case "ready":
          attempt = 0;
          setStatus(message.read_only ? "watching" : "ready", "ready");
          if (!readOnly) term.focus();
          break;
        case "engine-ready":
          if (!readOnly) setStatus("engine-ready", "ready");
          break;
        case "full":
          setStatus("full", "error");
          break;
        case "offline":
        case "ended":
          setStatus(message.state, "idle");
          break;
        case "error":
          ended = true;
          setStatus("error", "error");
          statusEl.textContent += ": " + (message.message || "");
          break;
      }
    } else if (message.type === "check") {
      // A lesson check ran after a command; the lesson script updates the step.
      document.dispatchEvent(new CustomEvent("dockyard:check", { detail: message }));
    } else if (message.type === "ports") {
      // The web preview's list (static/js/preview.js) follows published ports.
      document.dispatchEvent(new CustomEvent("dockyard:ports", { detail: message }));
    } else if (message.type === "disk") {
      showDiskNotice(message);
    } else if (message.type === "input-ack") {
      inputInFlight = Math.max(0, inputInFlight - message.bytes);
      pumpInput();
    } else if (message.type === "error") {
      console.warn("terminal protocol:", message.message);
    }
  }

  // On a lesson page the server runs that lesson's checks after each command.
  function wsPath() {
    if (!pane.dataset.lesson) return pane.dataset.wsPath;
    const query = new URLSearchParams({ lesson: pane.dataset.lesson, lang: pane.dataset.lessonLanguage || "" });
    return pane.dataset.wsPath + "?" + query.toString();
  }

  function connect() {
    retryTimer = null;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + wsPath());
    socket.binaryType = "arraybuffer";
    unacked = 0;
    inputInFlight = 0;
    inputQueue = []; // typed for a connection that is gone
    setStatus("connecting", "starting");
    socket.onopen = () => sendSize();
    socket.onmessage = (event) => {
      if (typeof event.data === "string") {
        try { onControl(JSON.parse(event.data)); } catch (e) { console.warn(e); }
        return;
      }
      const bytes = new Uint8Array(event.data);
      // xterm.js decodes UTF-8 itself, keeping characters split across frames intact.
      term.write(bytes, () => processed(bytes.byteLength));
    };
    socket.onclose = () => {
      socket = null;
      if (ended) return;
      attempt += 1;
      const delay = Math.min(MAX_BACKOFF_S, Math.pow(2, attempt - 1)) * (0.75 + Math.random() * 0.5);
      setStatus("reconnecting", "error", Math.round(delay));
      retryTimer = setTimeout(connect, delay * 1000);
    };
  }

  term.onData((data) => sendInput(encoder.encode(data)));
  term.onBinary((data) => sendInput(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
  term.onResize(() => sendSize());
  new ResizeObserver(() => fit.fit()).observe(host);

  // Run buttons in the lesson type their commands into the shell.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=run]");
    if (!button || readOnly) return;
    const block = button.closest(".runnable");
    if (!block) return;
    let commands;
    try { commands = JSON.parse(block.dataset.commands || "[]"); } catch (e) { return; }
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      setStatus("connecting", "starting");
      return;
    }
    for (const command of commands) {
      // {"text", "enter": false} is a template: put at the prompt for the student to complete.
      const template = typeof command === "object" && command.enter === false;
      sendInput(encoder.encode(template ? command.text : command + "\r"));
      if (template) break;
    }
    term.focus();
  });

  window.addEventListener("online", () => { if (retryTimer) { clearTimeout(retryTimer); connect(); } });
  window.dockyardTerminal = { term, get socket() { return socket; } };
  connect();
})();
