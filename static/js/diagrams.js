// Mermaid diagrams on book pages: each ```mermaid block arrives as its source
// in <pre class="mermaid">; Mermaid (vendored, no network) draws over it. A
// diagram that does not parse keeps showing its source.
(function () {
  "use strict";
  const mermaid = window.mermaid;
  if (!mermaid) return;
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
  mermaid
    .run({ querySelector: ".diagram > pre.mermaid", suppressErrors: true })
    .finally(() => {
      document.querySelectorAll(".diagram").forEach((figure) => {
        figure.dataset.state = figure.querySelector("pre.mermaid svg") ? "drawn" : "source";
      });
    });
})();
