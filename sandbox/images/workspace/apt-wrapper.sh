#!/bin/sh
# The shell's own system is read-only (the sandbox's disk holds only the home
# folder and Docker's data): say where to install things instead.
case "${1:-}" in
    install|update|upgrade|full-upgrade|dist-upgrade|remove|purge|autoremove|reinstall)
        cat >&2 <<'MSG'
This shell's system folders are read-only: it is the classroom's, and only your
home folder (~) is yours. Install tools inside a container instead, for example:
    docker run -it --rm debian:bookworm bash    # then: apt-get update && apt-get install ...
or add them to an image with a Dockerfile (RUN apt-get install ...).
MSG
        exit 100 ;;
esac
exec "/usr/bin/$(basename "$0")" "$@"
