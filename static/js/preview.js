// The web preview list: ports the student published in their sandbox
// (`docker run -p 8080:80 nginx`), each with an Open link through the app.
// Updated from the terminal websocket's "ports" messages (docs/terminal-protocol.md).
(function () {
  "use strict";
  const pane = document.getElementById("terminal-pane");
  const bar = pane && pane.querySelector(".terminal-bar");
  if (!bar || pane.dataset.readOnly === "true") return;

  const list = document.createElement("span");
  list.className = "terminal-ports";
  list.hidden = true;
  bar.insertBefore(list, bar.querySelector(".terminal-status"));

  document.addEventListener("dockyard:ports", (event) => {
    const ports = event.detail.ports || [];
    list.replaceChildren();
    list.hidden = ports.length === 0;
    if (!ports.length) return;
    const label = document.createElement("span");
    label.className = "ports-label";
    label.textContent = pane.dataset.textPorts || "Open:";
    list.append(label);
    for (const entry of ports) {
      const link = document.createElement("a");
      link.href = entry.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.className = "port-link";
      link.dataset.port = String(entry.port);
      link.title = `${entry.container} · ${entry.port} → ${entry.target}`;
      link.textContent = `:${entry.port}`;
      list.append(link);
    }
  });
})();
