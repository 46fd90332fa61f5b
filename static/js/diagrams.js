// Mermaid diagrams on book pages: each ```mermaid block arrives as its source
// in <pre class="mermaid">; Mermaid (vendored, no network) draws over it. A
// diagram that does not parse keeps showing its source (Mermaid would draw an
// error picture in its place).
(function () {
  "use strict";
  const mermaid = window.mermaid;
  if (!mermaid) return;
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });

  async function draw() {
    const valid = [];
    for (const pre of document.querySelectorAll(".diagram > pre.mermaid")) {
      if (await mermaid.parse(pre.textContent, { suppressErrors: true })) valid.push(pre);
      else pre.parentElement.dataset.state = "source";
    }
    if (valid.length) await mermaid.run({ nodes: valid, suppressErrors: true });
    for (const pre of valid) pre.parentElement.dataset.state = pre.querySelector("svg") ? "drawn" : "source";
  }

  draw().catch((error) => console.warn("diagrams:", error));
})();
