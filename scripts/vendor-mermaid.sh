#!/usr/bin/env bash
# Re-vendor Mermaid from npm into static/vendor/ (no JS build step). Imported
# books draw their ```mermaid blocks with it; the self-contained IIFE build
# needs no network, so diagrams render offline.
set -euo pipefail
MERMAID=12.3.0
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" && npm init -y >/dev/null
npm install --silent "mermaid@$MERMAID"
v=$top/static/vendor
rm -rf "$v"/mermaid-*
mkdir -p "$v/mermaid-$MERMAID"
# The source map (20 MB) is left out; the minified file does not reference it.
cp node_modules/mermaid/dist/mermaid.min.js node_modules/mermaid/LICENSE "$v/mermaid-$MERMAID/"
echo "vendored mermaid $MERMAID into $v"
