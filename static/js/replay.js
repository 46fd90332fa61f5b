// The replay of a terminal recording (docs/recordings.md): the asciinema player,
// the commands the student ran (from the recording's "m" markers: "$ <command>"
// where it starts, "exit <status>" where it ends), and search in the text.
(function () {
  "use strict";
  const root = document.getElementById("replay");
  if (!root) return;
  const commandList = document.getElementById("replay-commands");
  const matchList = document.getElementById("replay-matches");
  const search = document.getElementById("replay-search");
  const T = root.dataset;
  const ESCAPES = /\x1b\[[0-9;?<=>!]*[ -\/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[P^_][^\x1b]*(?:\x1b\\)?|\x1b[()*+][0-9A-Za-z]|\x1b[ -~]|[\x00-\x08\x0b-\x1f\x7f]/g;
  let player = null;
  let text = "";       // the output as plain text, for searching
  const starts = [];   // [offset in text, time] of each output event

  // asciicast v2: a header line, then one [time, code, data] per line.
  function parse(cast) {
    const lines = cast.split("\n").filter((line) => line.trim());
    const header = JSON.parse(lines[0]);
    const events = lines.slice(1).map((line) => JSON.parse(line));
    return { header, events };
  }

  function commandsOf(events) {
    const commands = [];
    let open = null;
    for (const [time, code, data] of events) {
      if (code !== "m") continue;
      if (data.startsWith("$ ")) {
        open = { start: time, end: null, command: data.slice(2), status: null };
        commands.push(open);
      } else if (data.startsWith("exit ") && open) {
        open.end = time;
        open.status = data.slice(5);
        open = null;
      }
    }
    return commands;
  }

  function clock(seconds) {
    const s = Math.floor(seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    (children || []).forEach((child) => node.append(child));
    return node;
  }

  // A command's screen is the one it left: its output, and the next prompt.
  async function jump(time) {
    root.dataset.seeked = "true";  // the big "play" overlay would hide the screen
    await player.pause();
    await player.seek(time);
  }

  function showCommands(commands, duration) {
    commandList.replaceChildren();
    if (!commands.length) commandList.append(el("li", { class: "muted", text: T.textNoCommands }));
    commands.forEach((command, index) => {
      const failed = command.status !== null && command.status !== "0";
      const status = command.status === null ? T.textRunning : T.textExit.replace("{status}", command.status);
      const target = command.end !== null ? command.end : duration;
      const button = el("button", { type: "button", "data-index": String(index), "data-time": String(target) }, [
        el("span", { class: "time", text: clock(command.start) }),
        el("code", { text: command.command }),
        el("span", { class: "cmd-exit " + (command.status === null ? "" : failed ? "failed" : "ok"), text: status }),
      ]);
      button.addEventListener("click", () => {
        commandList.querySelectorAll("li.current").forEach((item) => item.classList.remove("current"));
        button.parentElement.classList.add("current");
        jump(target + 0.001);
      });
      commandList.append(el("li", { "data-command": command.command }, [button]));
    });
  }

  function indexText(events) {
    for (const [time, code, data] of events) {
      if (code !== "o") continue;
      starts.push([text.length, time]);
      text += data.replace(ESCAPES, "");
    }
  }

  function timeAt(offset) {
    let low = 0, high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle][0] <= offset) low = middle; else high = middle - 1;
    }
    return starts.length ? starts[low][1] : 0;
  }

  function find(query) {
    matchList.replaceChildren();
    if (!query) return;
    const haystack = text.toLowerCase(), needle = query.toLowerCase();
    let count = 0;
    for (let at = haystack.indexOf(needle); at !== -1 && count < 100; at = haystack.indexOf(needle, at + needle.length)) {
      const time = timeAt(at + needle.length - 1);
      const line = text.slice(Math.max(0, text.lastIndexOf("\n", at) + 1), at + needle.length + 60).split(/[\r\n]/)[0];
      const button = el("button", { type: "button", "data-time": String(time) }, [
        el("span", { class: "time", text: clock(time) }), el("span", { text: line.trim() })]);
      button.addEventListener("click", () => jump(time + 0.001));
      matchList.append(el("li", {}, [button]));
      count++;
    }
    if (!count) matchList.append(el("li", { class: "muted", text: T.textNoMatches }));
  }

  search.addEventListener("submit", (event) => { event.preventDefault(); find(search.q.value.trim()); });
  search.q.addEventListener("input", () => find(search.q.value.trim()));

  fetch(T.cast, { credentials: "same-origin" })
    .then((response) => { if (!response.ok) throw new Error(response.statusText); return response.text(); })
    .then((cast) => {
      const { header, events } = parse(cast);
      const duration = events.length ? events[events.length - 1][0] : 0;
      player = AsciinemaPlayer.create({ data: cast }, document.getElementById("player"), {
        cols: header.width, rows: header.height, fit: "both", preload: true,
        terminalFontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace",
      });
      window.dockyardReplay = player;  // for tests
      showCommands(commandsOf(events), duration);
      indexText(events);
      root.dataset.loaded = "true";
    })
    .catch(() => { root.dataset.loaded = "error"; commandList.replaceChildren(el("li", { text: T.textError })); });
})();
