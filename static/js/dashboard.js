// A class's live dashboard: one row per student, kept up to date by the
// messages of /ws/classroom/<id>/dashboard/ (docs/classroom.md). Nothing is
// polled: the server sends a snapshot, then one small message per change.
// Only the rows in view are in the page (a class of 200 scrolls smoothly).
(function () {
  "use strict";
  const root = document.getElementById("dashboard");
  if (!root) return;
  const T = JSON.parse(document.getElementById("dashboard-texts").textContent);
  const URLS = JSON.parse(document.getElementById("dashboard-urls").textContent);
  const OUTLINE = JSON.parse(document.getElementById("dashboard-outline").textContent);
  const LESSONS = OUTLINE.filter((item) => item.kind === "lesson");
  // Every lesson's title, also of those the class does not cover: a student may be on one.
  const TITLES = JSON.parse(document.getElementById("dashboard-lesson-titles").textContent);
  const ROW_HEIGHT = { screens: 92, plain: 40 };
  const OVERSCAN = 6;
  const STUCK_AFTER_S = 10 * 60;
  const MAX_BACKOFF_S = 30;

  const students = new Map(); // id -> row (the server's fields, plus "screen" and "order")
  const help = new Map(); // request id -> request
  let joinOrder = 0;
  const view = { lesson: "", filter: "all", sort: "name", search: "", screens: true };
  let visible = []; // the filtered, sorted rows
  let renderQueued = false;
  let firstRender = true;
  let attempt = 0;

  const rowsBox = root.querySelector(".dash-rows");
  const spacer = root.querySelector(".dash-spacer");
  const head = root.querySelector(".dash-head");
  const empty = root.querySelector(".dash-empty");
  const EMPTY_CLASS = empty.textContent;
  const helpQueue = root.querySelector(".help-queue");
  const helpList = root.querySelector(".help-list");
  const dialog = document.getElementById("confirm-dialog");

  // -- small helpers ------------------------------------------------------------

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, (_, key) => (key in values ? values[key] : ""));
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("data-") || name.startsWith("aria-") || name === "title" || name === "href" ||
               name === "target" || name === "role" || name === "type" || name === "rel") node.setAttribute(name, value);
      else node[name] = value;
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function clock(seconds) {
    const date = new Date(seconds * 1000);
    return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");
  }

  function ago(seconds) {
    const age = Math.max(0, Math.round(Date.now() / 1000 - seconds));
    if (age < 60) return fill(T.ago_s, { n: age });
    if (age < 3600) return fill(T.ago_m, { n: Math.floor(age / 60) });
    return fill(T.ago_h, { n: Math.floor(age / 3600) });
  }

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url, fields) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: new URLSearchParams(fields || {}),
    }).then((response) => response.json().catch(() => ({})).then((body) => {
      if (!response.ok) throw new Error(body.error || response.status + " " + response.statusText);
      return body;
    }));
  }

  function toast(text) {
    const status = root.querySelector(".broadcast-status");
    status.textContent = text;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { status.textContent = ""; }, 6000);
  }

  // -- what each row means ------------------------------------------------------------

  function stepKeys(lesson) { return lesson.steps.map((step) => lesson.slug + "/" + step.id); }
  const ALL_STEPS = LESSONS.flatMap(stepKeys);

  function passedCount(row, keys) { return keys.filter((key) => key in row.passed).length; }

  function lastPass(row) {
    let latest = 0;
    for (const at of Object.values(row.passed)) latest = Math.max(latest, at);
    return latest;
  }

  function needsHelp(row) {
    return !!row.help || (row.command && row.command.status !== null && row.command.status !== 0);
  }

  // Online, ran a command in the last 10 minutes, passed nothing in them.
  function stuck(row) {
    const now = Date.now() / 1000;
    return row.online && row.command && now - row.command.at < STUCK_AFTER_S && now - lastPass(row) > STUCK_AFTER_S;
  }

  function notStarted(row) { return !row.command && passedCount(row, ALL_STEPS) === 0; }

  const FILTERS = { all: () => true, help: needsHelp, stuck: stuck, "not-started": notStarted };

  function sortKey(row) {
    switch (view.sort) {
      case "progress": return [passedCount(row, ALL_STEPS), row.name.toLowerCase()];
      case "command": return [row.command ? row.command.at : 0, row.name.toLowerCase()];
      case "joined": return [row.order, ""];
      default: return [row.name.toLowerCase(), row.username];
    }
  }

  function compare(a, b) {
    const ka = sortKey(a), kb = sortKey(b);
    if (ka[0] < kb[0]) return -1;
    if (ka[0] > kb[0]) return 1;
    return ka[1] < kb[1] ? -1 : ka[1] > kb[1] ? 1 : 0;
  }

  // -- rendering -----------------------------------------------------------------------

  function queueRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(render);
  }

  function rowHeight() { return view.screens ? ROW_HEIGHT.screens : ROW_HEIGHT.plain; }

  function render() {
    renderQueued = false;
    const search = view.search.toLowerCase();
    const all = Array.from(students.values());
    visible = all.filter((row) => FILTERS[view.filter](row) &&
      (!search || row.name.toLowerCase().includes(search) || row.username.toLowerCase().includes(search)));
    visible.sort(compare);
    renderCounts(all);
    renderHead(all);
    renderHelp();
    root.classList.toggle("with-screens", view.screens);
    spacer.style.height = visible.length * rowHeight() + "px";
    empty.hidden = visible.length > 0 || root.dataset.state !== "live";
    empty.textContent = all.length ? T.no_match : EMPTY_CLASS;
    renderRows();
    if (firstRender && root.dataset.state === "live") {
      firstRender = false;
      performance.mark("dashboard-rendered");
      root.dataset.rendered = "true";
    }
  }

  function renderCounts(all) {
    const online = all.filter((row) => row.online).length;
    root.querySelector(".dash-counts").textContent = fill(T.counts, { online: online, total: all.length });
    for (const button of root.querySelectorAll("[data-filter]")) {
      const count = button.querySelector(".filter-count");
      if (count) count.textContent = "(" + all.filter(FILTERS[button.dataset.filter]).length + ")";
      button.setAttribute("aria-pressed", String(button.dataset.filter === view.filter));
    }
  }

  function columns() {
    const lesson = LESSONS.find((item) => item.slug === view.lesson);
    return lesson ? { lesson: lesson, keys: stepKeys(lesson) } : { lesson: null, keys: [] };
  }

  function renderHead(all) {
    const { lesson } = columns();
    const cells = [el("div", { class: "cell c-student", role: "columnheader", text: T.student }),
      el("div", { class: "cell c-sandbox", role: "columnheader", text: T.sandbox }),
      el("div", { class: "cell c-lesson", role: "columnheader", text: T.lesson })];
    const steps = el("div", { class: "cell c-steps", role: "columnheader" });
    if (lesson) {
      lesson.steps.forEach((step, index) => {
        const key = lesson.slug + "/" + step.id;
        const n = all.filter((row) => key in row.passed).length;
        steps.append(el("span", { class: "step-head", title: step.title + " · " + fill(T.passed_count, { n: n, total: all.length }) },
          el("span", { class: "step-number", text: String(index + 1) }),
          el("span", { class: "step-count", "data-step": key, text: n + "/" + all.length })));
      });
    } else {
      LESSONS.forEach((item, index) => {
        const keys = stepKeys(item);
        const n = all.filter((row) => passedCount(row, keys) === keys.length && keys.length).length;
        steps.append(el("span", { class: "lesson-head", title: item.title + " · " + fill(T.lesson_done_count, { n: n, total: all.length }) },
          el("span", { class: "step-number", text: String(index + 1) }),
          el("span", { class: "step-count", text: String(n) })));
      });
    }
    cells.push(steps,
      el("div", { class: "cell c-command", role: "columnheader", text: T.last_command }),
      el("div", { class: "cell c-screen", role: "columnheader", text: T.screen }),
      el("div", { class: "cell c-actions", role: "columnheader", text: T.actions }));
    head.replaceChildren(...cells);
  }

  function renderRows() {
    const height = rowHeight();
    const first = Math.max(0, Math.floor(rowsBox.scrollTop / height) - OVERSCAN);
    const last = Math.min(visible.length, Math.ceil((rowsBox.scrollTop + rowsBox.clientHeight) / height) + OVERSCAN);
    const nodes = [];
    for (let index = first; index < last; index++) {
      const node = rowNode(visible[index]);
      node.style.top = index * height + "px";
      nodes.push(node);
    }
    spacer.replaceChildren(...nodes);
  }

  function lessonTitle(slug) {
    return slug && Object.hasOwn(TITLES, slug) ? TITLES[slug] : slug || "—";
  }

  function stepCells(row) {
    const { lesson } = columns();
    const box = el("div", { class: "cell c-steps" });
    if (lesson) {
      for (const step of lesson.steps) {
        const at = row.passed[lesson.slug + "/" + step.id];
        box.append(el("span", {
          class: "step-cell " + (at ? "passed" : "todo"), "data-step": step.id,
          title: step.title + " · " + (at ? fill(T.passed_at, { time: clock(at) }) : T.not_started),
          text: at ? clock(at) : "",
        }));
      }
    } else {
      for (const item of LESSONS) {
        const keys = stepKeys(item);
        const done = passedCount(row, keys);
        const bar = el("span", { class: "lesson-cell" + (done === keys.length && keys.length ? " done" : done ? " partial" : ""),
          title: item.title + " · " + done + "/" + keys.length });
        bar.style.setProperty("--done", keys.length ? done / keys.length : 0);
        box.append(bar);
      }
    }
    return box;
  }

  function commandCell(row) {
    const cell = el("div", { class: "cell c-command" });
    if (!row.command) { cell.append(el("span", { class: "muted", text: T.never })); return cell; }
    const failed = row.command.status !== null && row.command.status !== 0;
    cell.append(el("span", { class: "cmd-status " + (failed ? "failed" : "ok"),
      text: failed ? fill(T.failed, { status: row.command.status }) : T.ok }), " ",
      el("span", { class: "cmd-age", "data-at": row.command.at, text: ago(row.command.at) }));
    return cell;
  }

  function screenCell(row) {
    const cell = el("div", { class: "cell c-screen" });
    if (!view.screens) return cell;
    const screen = row.screen;
    let text = T.no_screen;
    if (screen) text = screen.full_screen ? T.full_screen : screen.lines.join("\n");
    cell.append(el("pre", { class: "mini-screen" + (screen ? "" : " none"), text: text }));
    return cell;
  }

  function rowNode(row) {
    const stateText = T["state_" + row.sandbox] || row.sandbox;
    return el("div", { class: "dash-row" + (row.help ? " has-help" : "") + (row.online ? " online" : ""),
      role: "row", "data-student": row.id, "data-username": row.username },
      el("div", { class: "cell c-student" },
        el("span", { class: "presence " + (row.online ? "on" : "off"), title: row.online ? T.online : T.offline }),
        el("span", { class: "student-name", text: row.name, title: row.username }),
        row.help ? el("span", { class: "hand", title: T.hand + (row.help.text ? ": " + row.help.text : ""), text: T.help_badge }) : null),
      el("div", { class: "cell c-sandbox" }, el("span", { class: "sandbox-state state-" + row.sandbox, text: stateText })),
      el("div", { class: "cell c-lesson", title: lessonTitle(row.lesson), text: lessonTitle(row.lesson) }),
      stepCells(row), commandCell(row), screenCell(row),
      el("div", { class: "cell c-actions" },
        el("a", { class: "button small", href: URLS.watch.replace("USERNAME", encodeURIComponent(row.username)),
          target: "_blank", rel: "noopener", "data-action": "watch", text: T.watch }),
        el("button", { type: "button", class: "small secondary", "data-action": "row-menu", "aria-haspopup": "menu",
          "aria-label": T.sandbox_menu, title: T.sandbox_menu, text: T.sandbox + " ▾" })));
  }

  function renderHelp() {
    const requests = Array.from(help.values()).filter((r) => r.state !== "resolved").sort((a, b) => a.created - b.created);
    helpQueue.hidden = requests.length === 0;
    helpList.replaceChildren(...requests.map((request) => {
      const row = students.get(request.student);
      const lesson = LESSONS.find((item) => item.slug === request.lesson);
      const step = lesson && lesson.steps.find((s) => s.id === request.step);
      return el("li", { class: "help-item state-" + request.state, "data-request": request.id },
        el("strong", { text: row ? row.name : "?" }), " · ",
        el("span", { class: "help-where", text: lessonTitle(request.lesson) + (step ? " › " + step.title : "") }),
        " · ", el("q", { class: "help-text", text: request.text || T.no_text }),
        " ", el("span", { class: "help-age", "data-at": request.created, text: ago(request.created) }),
        request.seen_by ? el("span", { class: "help-seen", text: " · " + fill(T.seen_by, { name: request.seen_by }) }) : null,
        el("span", { class: "help-actions" },
          el("button", { type: "button", class: "small", "data-action": "open-help", text: T.open_terminal }),
          el("button", { type: "button", class: "small secondary", "data-action": "resolve-help", text: T.resolve })));
    }));
  }

  // Ages change with time, not with events: only their text is redrawn.
  setInterval(() => {
    root.querySelectorAll("[data-at]").forEach((node) => { node.textContent = ago(Number(node.dataset.at)); });
  }, 1000);
  rowsBox.addEventListener("scroll", () => renderRows(), { passive: true });
  new ResizeObserver(() => queueRender()).observe(rowsBox);

  // -- messages from the server -------------------------------------------------------------

  function upsert(row) {
    const old = students.get(row.id);
    row.order = old ? old.order : joinOrder++;
    row.screen = old ? old.screen : null;
    students.set(row.id, row);
    if (row.help) help.set(row.help.id, row.help);
  }

  function onMessage(message) {
    const row = students.get(message.id);
    switch (message.type) {
      case "snapshot":
        students.clear(); help.clear(); joinOrder = 0;
        message.students.forEach(upsert);
        message.help.forEach((request) => help.set(request.id, request));
        for (const [id, screen] of Object.entries(message.screens || {})) {
          if (students.has(Number(id))) students.get(Number(id)).screen = screen;
        }
        if (!view.lesson && !root.dataset.lessonChosen) view.lesson = busiestLesson();
        root.querySelector("[data-control=lesson]").value = view.lesson;
        break;
      case "student": upsert(message.student); break;
      case "presence": if (row) row.online = message.online; break;
      case "sandbox": if (row) row.sandbox = message.state; break;
      case "lesson": if (row) row.lesson = message.lesson; break;
      case "command": if (row) row.command = { at: message.at, status: message.status }; break;
      case "passed": if (row) row.passed[message.lesson + "/" + message.step] = message.at; break;
      case "screens":
        for (const [id, screen] of Object.entries(message.screens)) {
          const owner = students.get(Number(id));
          if (owner) owner.screen = screen;
        }
        break;
      case "help": {
        const request = message.request;
        help.set(request.id, request);
        const owner = students.get(request.student);
        if (owner) owner.help = request.state === "resolved" ? null : request;
        break;
      }
      case "broadcast": toast(T.sent + " " + message.text); break;
      default: return;
    }
    queueRender();
  }

  // The lesson most of the class is on now, else the class's first.
  function busiestLesson() {
    const counts = {};
    for (const row of students.values()) if (row.online && row.lesson) counts[row.lesson] = (counts[row.lesson] || 0) + 1;
    const best = Object.keys(counts).filter((slug) => LESSONS.some((l) => l.slug === slug))
      .sort((a, b) => counts[b] - counts[a])[0];
    return best || (LESSONS[0] ? LESSONS[0].slug : "");
  }

  function setConnection(state) {
    root.dataset.state = state;
    root.querySelector(".dash-connection").textContent = T[state] || "";
    root.querySelector(".dash-connection").className = "dash-connection conn-" + state;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    setConnection("connecting");
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "snapshot") { attempt = 0; setConnection("live"); }
      onMessage(message);
    };
    socket.onclose = (event) => {
      if (event.code === 4403) { setConnection("forbidden"); return; }
      setConnection("reconnecting");
      attempt += 1;
      const delay = Math.min(MAX_BACKOFF_S, Math.pow(2, attempt - 1)) * (0.75 + Math.random() * 0.5);
      setTimeout(connect, delay * 1000);
    };
  }

  // -- what the instructor does ----------------------------------------------------------------

  function confirmThen(text, okLabel, withClear) {
    dialog.querySelector(".confirm-text").textContent = text;
    dialog.querySelector(".confirm-ok").textContent = okLabel;
    const clear = dialog.querySelector(".confirm-clear");
    clear.hidden = !withClear;
    clear.querySelector("input").checked = false;
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok" ? { clear: clear.querySelector("input").checked } : null), { once: true });
      dialog.showModal();
    });
  }

  function control(row, action) {
    const label = { stop: T.do_stop, restart: T.do_restart, reset: T.do_reset }[action];
    confirmThen(fill(T["confirm_" + action], { name: row.name }), label, action === "reset").then((answer) => {
      if (!answer) return;
      const url = URLS.control.replace("/students/0/", "/students/" + row.id + "/").replace("ACTION", action);
      post(url, answer.clear ? { clear_progress: "1" } : {})
        .then(() => toast(T.done))
        .catch((error) => toast(fill(T.action_failed, { error: error.message })));
    });
  }

  // One menu for every row (rows come and go as the list scrolls): Recordings, Stop, Restart, Reset….
  const menu = el("div", { class: "row-menu", role: "menu", hidden: true },
    el("button", { type: "button", role: "menuitem", "data-menu": "recordings", text: T.recordings }),
    el("button", { type: "button", role: "menuitem", "data-menu": "stop", text: T.stop }),
    el("button", { type: "button", role: "menuitem", "data-menu": "restart", text: T.restart }),
    el("button", { type: "button", role: "menuitem", class: "danger", "data-menu": "reset", text: T.reset }));
  document.body.append(menu);
  let menuRow = null;

  function openMenu(button, row) {
    const box = button.getBoundingClientRect();
    menuRow = row;
    menu.hidden = false;
    menu.style.top = Math.min(box.bottom + 4, window.innerHeight - menu.offsetHeight - 8) + "px";
    menu.style.left = Math.max(8, box.right - menu.offsetWidth) + "px";
    menu.querySelector("button").focus();
  }

  function closeMenu() { menu.hidden = true; menuRow = null; }

  menu.addEventListener("click", (event) => {
    const item = event.target.closest("[data-menu]");
    if (!item || !menuRow) return;
    const row = menuRow;
    closeMenu();
    if (item.dataset.menu === "recordings") {
      window.open(URLS.recordings.replace("USERNAME", encodeURIComponent(row.username)), "_blank", "noopener");
    } else {
      control(row, item.dataset.menu);
    }
  });
  document.addEventListener("click", (event) => {
    if (!menu.hidden && !menu.contains(event.target) && !event.target.closest("[data-action=row-menu]")) closeMenu();
  });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeMenu(); });
  rowsBox.addEventListener("scroll", closeMenu, { passive: true });

  function openHelp(request) {
    const row = students.get(request.student);
    if (!row) return;
    window.open(URLS.watch.replace("USERNAME", encodeURIComponent(row.username)), "_blank", "noopener");
    post(URLS.help_seen.replace("/help/0/", "/help/" + request.id + "/")).catch((error) => toast(fill(T.action_failed, { error: error.message })));
  }

  root.addEventListener("click", (event) => {
    const target = event.target.closest("[data-action], [data-filter]");
    if (!target) return;
    if (target.dataset.filter) { view.filter = target.dataset.filter; rowsBox.scrollTop = 0; queueRender(); return; }
    const rowNode = target.closest("[data-student]");
    const row = rowNode && students.get(Number(rowNode.dataset.student));
    const item = target.closest("[data-request]");
    const request = item && help.get(Number(item.dataset.request));
    switch (target.dataset.action) {
      case "row-menu": if (row) openMenu(target, row); break;
      case "open-help": if (request) openHelp(request); break;
      case "resolve-help":
        if (request) post(URLS.help_resolve.replace("/help/0/", "/help/" + request.id + "/")).catch((error) => toast(fill(T.action_failed, { error: error.message })));
        break;
      case "stop-all":
        confirmThen(T.confirm_stop_all, T.do_stop_all, false).then((answer) => {
          if (answer) post(URLS.stop_all).then((body) => toast(fill(T.stopped_n, { n: body.stopped }))).catch((error) => toast(fill(T.action_failed, { error: error.message })));
        });
        break;
      case "copy-link":
        if (navigator.clipboard) navigator.clipboard.writeText(target.dataset.link).then(() => toast(T.copied), () => {});
        break;
    }
  });

  root.querySelector(".dash-broadcast").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const input = form.querySelector("input[name=text]");
    if (!input.value.trim()) return;
    post(form.dataset.url, { text: input.value })
      .then(() => { input.value = ""; })
      .catch((error) => toast(fill(T.action_failed, { error: error.message })));
  });

  root.querySelector("[data-control=lesson]").addEventListener("change", (event) => {
    view.lesson = event.target.value; root.dataset.lessonChosen = "true"; queueRender();
  });
  root.querySelector("[data-control=sort]").addEventListener("change", (event) => { view.sort = event.target.value; queueRender(); });
  root.querySelector("[data-control=search]").addEventListener("input", (event) => { view.search = event.target.value; queueRender(); });
  root.querySelector("[data-control=screens]").addEventListener("change", (event) => { view.screens = event.target.checked; queueRender(); });

  window.dockyardDashboard = { students, help, view, render: queueRender };
  connect();
})();
