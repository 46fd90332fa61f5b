#!/usr/bin/env bash
# Re-vendor the Ace editor from npm into static/vendor/ (no JS build step).
# Only what the file editor uses: the core, the search box (Ctrl-F), the modes
# for the files students edit, one light and one dark theme. Workers are not
# vendored: the editor runs with useWorker off (no background syntax checks).
set -euo pipefail
ACE=1.45.2
MODES="dockerfile sh html css javascript python yaml json markdown text"
THEMES="chrome tomorrow_night"
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" && npm init -y >/dev/null
npm install --silent "ace-builds@$ACE"
src=node_modules/ace-builds/src-min-noconflict
dest=$top/static/vendor/ace-$ACE
rm -rf "$dest" && mkdir -p "$dest"
cp node_modules/ace-builds/LICENSE "$src/ace.js" "$src/ext-searchbox.js" "$dest/"
for mode in $MODES; do cp "$src/mode-$mode.js" "$dest/"; done
for theme in $THEMES; do cp "$src/theme-$theme.js" "$dest/"; done
echo "vendored ace $ACE ($MODES; themes $THEMES) into $dest"
