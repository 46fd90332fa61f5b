#!/usr/bin/env bash
# Re-vendor the terminal's monospace web font (JetBrains Mono, SIL OFL 1.1) from npm
# into static/vendor/, so every student sees the same glyphs and metrics (no JS build step).
set -euo pipefail
FONT=5.3.0
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" && npm init -y >/dev/null
npm install --silent "@fontsource/jetbrains-mono@$FONT"
src=node_modules/@fontsource/jetbrains-mono
v=$top/static/vendor/jetbrains-mono-$FONT
mkdir -p "$v"
for weight in 400 700; do
  for subset in latin latin-ext; do
    cp "$src/files/jetbrains-mono-$subset-$weight-normal.woff2" "$v/"
  done
done
cp "$src/LICENSE" "$v/"
echo "vendored JetBrains Mono $FONT into $v"
