#!/bin/sh
# As in the official image: a configuration file, or one of the registry's own
# subcommands, runs the registry; any other command runs as given.
set -e
case "$1" in
    *.yaml | *.yml) set -- registry serve "$@" ;;
    serve | garbage-collect | help | -*) set -- registry "$@" ;;
esac
exec "$@"
