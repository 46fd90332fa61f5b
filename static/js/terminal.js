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
  // Run, inside a program without the shell's markers (a container's shell):
  // the next line is typed once its output has been quiet this long.
  const RUN_QUIET_MS = 400;
  const RUN_QUIET_MAX_MS = 3000;
  // The project's own font: every student sees the same glyphs (and every
  // underscore); CJK falls back to the system's.
  const FONT = '"Dockyard Mono", "Noto Sans Mono CJK SC", "Noto Sans CJK SC", "Microsoft YaHei", monospace';
  // What a terminal answers to a program's query (cursor position, device
  // attributes, colours, modes); sent apart from typing so that only one tab answers.
  const REPLY = /^\x1b(\[[?>=]?[0-9;]*(\$y|[Rcnt])|\][0-9;]+;rgb:[0-9a-fA-F/]+(\x07|\x1b\\)|P[0-9]?[!|>$+]?r?[^\x1b]*\x1b\\)$/;
  const CLOSE_LOGGED_OUT = 4401;
  const CLOSE_FORBIDDEN = 4403;

  const readOnly = pane.dataset.readOnly === "true";
  const statusEl = pane.querySelector(".terminal-status");
  const host = pane.querySelector(".terminal-host");
  const notice = pane.querySelector(".terminal-notice");
  const typistBanner = pane.querySelector(".terminal-typist");
  const takeOverButton = pane.querySelector("[data-action=take-over]");
  const stoppedBanner = pane.querySelector(".terminal-stopped");
  const encoder = new TextEncoder();

  const term = new window.Terminal({
    cursorBlink: !readOnly,
    disableStdin: readOnly,
    convertEol: false,
    scrollback: 5000,
    fontFamily: FONT,
    fontSize: 14,
    theme: { background: "#0f172a" },
  });
  const fit = new window.FitAddon.FitAddon();
  term.loadAddon(fit);
  term.loadAddon(new window.WebLinksAddon.WebLinksAddon());

  let socket = null;
  let attempt = 0;
  let retryTimer = null;
  let ended = false; // the server said not to retry (full classroom is retried, though)
  let unacked = 0;
  let ackTimer = null;
  let inputInFlight = 0;
  let inputQueue = [];
  let writing = 0; // output handed to xterm.js and not yet processed
  let typingAsGuest = false; // a watcher that took over types into the student's shell
  let stoppedBySomeone = false; // the sandbox was stopped from elsewhere: no reconnecting
  let shellSize = null; // the shell's size, which a watcher draws at
  // On (re)connecting, the recent output is drawn at the size it was written
  // at, then fitted to this window, as a terminal that is resized would do:
  // the screen as it is now, at any window size.
  let replayPending = false;
  let replayStarted = false;
  let replayTimer = null;

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

  // -- input ----------------------------------------------------------------

  function mayType() { return !readOnly || typingAsGuest; }

  function sendInput(bytes) {
    if (!mayType() || !socket || socket.readyState !== WebSocket.OPEN) return;
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

  function typed(data) {
    if (writing > 0 && REPLY.test(data)) {
      // xterm.js answering a query in the output it is drawing, not the student typing.
      if (!readOnly) sendControl({ type: "reply", data: data });
      return;
    }
    run.cancel(); // the student types: a Run in progress stops
    sendInput(encoder.encode(data));
  }

  term.onData(typed);
  term.onBinary((data) => sendInput(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));

  // Ctrl+V and Ctrl+Shift+V paste; Ctrl+C copies when text is selected and
  // interrupts otherwise; Ctrl+Shift+C copies (as in VS Code and Codespaces).
  term.attachCustomKeyEventHandler((event) => {
    if (event.type !== "keydown" || !event.ctrlKey || event.altKey || event.metaKey) return true;
    const key = event.key.toLowerCase();
    if (key === "v") return false; // the browser pastes; xterm.js types the paste
    if (key === "c" && (event.shiftKey || term.hasSelection())) {
      if (term.hasSelection()) {
        const text = term.getSelection();
        if (navigator.clipboard) navigator.clipboard.writeText(text).catch(() => {});
        term.clearSelection();
      }
      event.preventDefault();
      return false;
    }
    return true;
  });

  // -- Run: the lines of a block, one after another ----------------------------
  // Each line is typed after the previous command's prompt (the shell's marker);
  // heredoc and other continuation lines at bash's continuation prompt. A line
  // that opens an interactive program (docker run -it …, docker exec -it …)
  // makes the following lines go to that program, each once its output has
  // been quiet for a moment, until a line `exit`. docs/lessons-format.md.
  const INTERACTIVE = /\bdocker\s+(?:container\s+)?(?:run|exec|start|attach)\b.*\s-(?:[a-z]*i[a-z]*t|[a-z]*t[a-z]*i)\b|\bdocker\s+(?:container\s+)?attach\b/;
  const DETACHED = /\s-[a-z]*d[a-z]*\b|\s--detach\b/; // docker run -dit: back at the prompt at once
  const run = {
    queue: [],
    waiting: null, // "prompt" | "quiet"
    inside: false, // typing into an interactive program
    timer: null,
    quietSince: 0,
    echoPending: false, // a line was typed and nothing has come back since
    start(lines) {
      this.cancel();
      this.queue = lines.slice();
      this.next();
    },
    cancel() {
      this.queue = [];
      this.waiting = null;
      this.inside = false;
      clearTimeout(this.timer);
      pane.dataset.running = "false";
    },
    next() {
      clearTimeout(this.timer);
      const line = this.queue.shift();
      if (line === undefined) { this.cancel(); return; }
      pane.dataset.running = "true";
      const text = typeof line === "string" ? line : line.text;
      const enter = typeof line === "string" || line.enter !== false;
      sendInput(encoder.encode(text + (enter ? "\r" : "")));
      if (!enter) { this.cancel(); return; } // a template: the student completes it
      // A prompt marker already on its way (sent before the shell saw this line)
      // must not type the next line early: markers count once output came back.
      this.echoPending = true;
      if (this.inside && /^\s*exit\s*$/.test(text)) this.inside = false;
      else if (!this.inside && INTERACTIVE.test(text) && !DETACHED.test(text)) this.inside = true;
      this.waiting = this.inside ? "quiet" : "prompt";
      if (this.waiting === "quiet") this.armQuiet(RUN_QUIET_MAX_MS);
    },
    armQuiet(delay) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => { if (this.waiting === "quiet") this.next(); }, delay);
    },
    output() {
      this.echoPending = false;
      if (this.waiting === "quiet") this.armQuiet(RUN_QUIET_MS);
    },
    marker(state) {
      if (!this.waiting || this.echoPending) return;
      if (state === "ready") this.inside = false; // back at our own shell
      if (this.waiting === "prompt" || state === "ready") this.next();
    },
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=run]");
    if (!button || !mayType()) return;
    const block = button.closest(".runnable");
    if (!block) return;
    let commands;
    try { commands = JSON.parse(block.dataset.commands || "[]"); } catch (e) { return; }
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      setStatus("connecting", "starting");
      return;
    }
    run.start(commands);
    term.focus();
  });

  // -- the shell's size: a watcher draws the student's screen at the student's size

  function fitToWindow() {
    if (readOnly) { scaleToFit(); return; }
    fit.fit();
  }

  function scaleToFit() {
    const screen = term.element && term.element.querySelector(".xterm-screen");
    if (!screen) return;
    term.element.style.transform = "";
    // Down to fit a small window; up, a little, to use a big one (the DOM renderer stays sharp).
    const style = getComputedStyle(host); // the host's padding is not room for the screen
    const width = host.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const height = host.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    const scale = Math.min(1.75, width / screen.offsetWidth, height / screen.offsetHeight);
    term.element.style.transformOrigin = "0 0";
    term.element.style.transform = Math.abs(scale - 1) > 0.01 ? "scale(" + scale + ")" : "";
    pane.dataset.scale = scale.toFixed(3);
  }

  function replayDrawn() {
    clearTimeout(replayTimer);
    if (!replayPending) return;
    replayPending = false;
    fitToWindow();
    sendSize();
  }

  function sendSize() {
    if (!readOnly) sendControl({ type: "resize", cols: term.cols, rows: term.rows });
  }

  // -- messages from the server ------------------------------------------------

  // -- taking over: a watcher allowed to types too; the student sees who ------------

  function showTypist(message) {
    typingAsGuest = readOnly && !!message.you;
    term.options.disableStdin = !mayType();
    term.options.cursorBlink = mayType();
    if (takeOverButton) {
      takeOverButton.textContent = typingAsGuest ? takeOverButton.dataset.textRelease : takeOverButton.dataset.textTake;
      takeOverButton.setAttribute("aria-pressed", String(typingAsGuest));
    }
    if (!typistBanner) return;
    const owner = pane.dataset.owner || "";
    let text = "";
    if (typingAsGuest) text = typistBanner.dataset.textGuest.replace("{owner}", owner);
    else if (message.name && !readOnly) text = typistBanner.dataset.textOwner.replace("{name}", message.name);
    typistBanner.querySelector(".typist-text").textContent = text;
    typistBanner.hidden = !text;
    pane.dataset.typist = message.name || "";
    if (typingAsGuest) term.focus();
  }

  if (takeOverButton) {
    takeOverButton.addEventListener("click", () => sendControl({ type: "take-over", on: !typingAsGuest }));
  }
  if (typistBanner) {
    typistBanner.querySelector("[data-action=end-take-over]").addEventListener("click", () => sendControl({ type: "take-over", on: false }));
  }

  // -- the sandbox stopped, restarted or reset from elsewhere (an instructor) --------

  function showStopped(state, by) {
    if (!stoppedBanner) return;
    stoppedBanner.querySelector(".stopped-text").textContent =
      (stoppedBanner.dataset["text" + state.charAt(0).toUpperCase() + state.slice(1)] || "").replace("{name}", by || "?");
    stoppedBanner.querySelector("[data-action=start-again]").hidden = state !== "stopped";
    stoppedBanner.hidden = false;
  }

  if (stoppedBanner) {
    stoppedBanner.querySelector("[data-action=start-again]").addEventListener("click", () => {
      stoppedBanner.hidden = true;
      stoppedBySomeone = false;
      ended = false;
      attempt = 0;
      if (!socket) connect();
    });
  }

  function showDiskNotice(message) {
    if (!notice) return;
    const size = (bytes) => (bytes / 1073741824).toFixed(1) + " GB";
    notice.textContent = notice.dataset.textDiskFull
      .replace("{used}", size(message.used)).replace("{size}", size(message.size));
    notice.hidden = !message.full;
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
          if (takeOverButton) takeOverButton.hidden = !message.may_take_over;
          if (stoppedBanner && !stoppedBySomeone) stoppedBanner.hidden = true;
          if (!readOnly) term.focus();
          break;
        case "engine-ready":
          if (!readOnly) setStatus("engine-ready", "ready");
          break;
        case "full":
          setStatus("full", "error");
          break;
        case "offline":
          // A watcher waits on the same connection until the student comes.
          setStatus(readOnly ? "student-offline" : "offline", "idle");
          break;
        case "ended":
          if (!stoppedBySomeone) setStatus("ended", "idle");
          showTypist({ name: null, you: false });
          break;
        case "stopping": // the student's sandbox is being stopped by someone: wait for a click
          if (readOnly) break;
          stoppedBySomeone = true;
          ended = true;
          setStatus("stopped", "idle");
          showStopped("stopped", message.by);
          break;
        case "restarting":
        case "removing": // back in a moment (reset: a fresh sandbox); reconnect at once
          if (readOnly) break;
          attempt = 0;
          setStatus(message.state, "starting");
          showStopped(message.state, message.by);
          break;
        case "error":
          ended = true;
          setStatus("error", "error");
          statusEl.textContent += ": " + (message.message || "");
          break;
      }
    } else if (message.type === "size") {
      shellSize = { cols: message.cols, rows: message.rows };
      if (readOnly) {
        term.resize(message.cols, message.rows);
        scaleToFit();
        requestAnimationFrame(scaleToFit); // again once xterm has drawn the new size
      } else if (replayPending && !replayStarted) {
        term.resize(message.cols, message.rows);
        clearTimeout(replayTimer);
        replayTimer = setTimeout(replayDrawn, 300); // a new shell has nothing to replay
      }
    } else if (message.type === "typist") {
      showTypist(message);
    } else if (message.type === "prompt") {
      run.marker(message.state);
      document.dispatchEvent(new CustomEvent("dockyard:prompt", { detail: message }));
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

  // On a lesson page the server runs that lesson's checks after each command;
  // every page says its language (the engine words its refusals in it).
  function wsPath() {
    const query = new URLSearchParams({ lang: pane.dataset.lessonLanguage || document.documentElement.lang || "" });
    if (pane.dataset.lesson) query.set("lesson", pane.dataset.lesson);
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
    run.cancel();
    replayPending = !readOnly;
    replayStarted = false;
    setStatus("connecting", "starting");
    socket.onopen = () => sendSize(); // the size the page has; the replay is drawn at the shell's
    socket.onmessage = (event) => {
      if (typeof event.data === "string") {
        try { onControl(JSON.parse(event.data)); } catch (e) { console.warn(e); }
        return;
      }
      const bytes = new Uint8Array(event.data);
      run.output();
      const replay = replayPending && shellSize !== null;
      if (replay) replayStarted = true;
      // xterm.js decodes UTF-8 itself, keeping characters split across frames intact.
      writing += 1;
      term.write(bytes, () => {
        writing -= 1;
        processed(bytes.byteLength);
        if (replay) replayDrawn();
      });
    };
    socket.onclose = (event) => {
      socket = null;
      run.cancel();
      if (event.code === CLOSE_LOGGED_OUT) { ended = true; setStatus("logged-out", "idle"); return; }
      if (event.code === CLOSE_FORBIDDEN) { ended = true; setStatus("error", "error"); return; }
      if (ended) return;
      if (pane.dataset.state === "restarting" || pane.dataset.state === "removing") {
        retryTimer = setTimeout(connect, 1000); // the server is already making it again
        return;
      }
      attempt += 1;
      const delay = Math.min(MAX_BACKOFF_S, Math.pow(2, attempt - 1)) * (0.75 + Math.random() * 0.5);
      setStatus("reconnecting", "error", Math.round(delay));
      retryTimer = setTimeout(connect, delay * 1000);
    };
  }

  async function start() {
    // Measure cells with the project's font, not with a fallback that loads later.
    try {
      await Promise.race([
        Promise.all([document.fonts.load('14px "Dockyard Mono"'), document.fonts.load('bold 14px "Dockyard Mono"')]),
        new Promise((resolve) => setTimeout(resolve, 2000)),
      ]);
    } catch (e) { /* the fallback fonts still work */ }
    term.open(host);
    // A watcher's terminal is drawn scaled inside the host: a click beside it still types into it.
    host.addEventListener("click", () => { if (mayType()) term.focus(); });
    fitToWindow();
    term.onResize(() => sendSize());
    new ResizeObserver(() => fitToWindow()).observe(host);
    connect();
  }

  window.addEventListener("online", () => { if (retryTimer) { clearTimeout(retryTimer); connect(); } });
  window.dockyardTerminal = {
    term, run,
    get socket() { return socket; },
    get typingAsGuest() { return typingAsGuest; },
    get shellSize() { return shellSize; },
  };
  start();
})();
