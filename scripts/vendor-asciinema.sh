#!/usr/bin/env bash
# Re-vendor the asciinema player from npm into static/vendor/ (no JS build step).
# The replay of terminal recordings (docs/recordings.md) draws with it; the
# self-contained bundle needs no network.
set -euo pipefail
PLAYER=3.18.0
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work" && npm init -y >/dev/null
npm install --silent "asciinema-player@$PLAYER"
v=$top/static/vendor
rm -rf "$v"/asciinema-player-*
mkdir -p "$v/asciinema-player-$PLAYER"
cp node_modules/asciinema-player/dist/bundle/asciinema-player.{min.js,css} node_modules/asciinema-player/LICENSE "$v/asciinema-player-$PLAYER/"
echo "vendored asciinema-player $PLAYER into $v"
