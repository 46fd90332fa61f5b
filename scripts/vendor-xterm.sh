#!/usr/bin/env bash
# Re-vendor xterm.js and its addons from npm into static/vendor/ (no JS build step).
set -euo pipefail
XTERM=6.0.0 FIT=0.11.0 LINKS=0.12.0
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" && npm init -y >/dev/null
npm install --silent "@xterm/xterm@$XTERM" "@xterm/addon-fit@$FIT" "@xterm/addon-web-links@$LINKS"
v=$top/static/vendor
mkdir -p "$v/xterm-$XTERM" "$v/xterm-addon-fit-$FIT" "$v/xterm-addon-web-links-$LINKS"
cp node_modules/@xterm/xterm/lib/xterm.js{,.map} node_modules/@xterm/xterm/css/xterm.css node_modules/@xterm/xterm/LICENSE "$v/xterm-$XTERM/"
cp node_modules/@xterm/addon-fit/lib/addon-fit.js{,.map} node_modules/@xterm/addon-fit/LICENSE "$v/xterm-addon-fit-$FIT/"
cp node_modules/@xterm/addon-web-links/lib/addon-web-links.js{,.map} node_modules/@xterm/addon-web-links/LICENSE "$v/xterm-addon-web-links-$LINKS/"
echo "vendored xterm $XTERM, addon-fit $FIT, addon-web-links $LINKS into $v"
