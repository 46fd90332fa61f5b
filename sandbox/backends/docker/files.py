"""The file editor's operations inside a student's workspace container.

Every check that involves the file system runs *inside* the container, with
its own view of the files: symlinks are resolved there (`realpath`) and the
result must stay under HOME. New content travels by the archive API into a
temporary file next to the target, which then replaces the target with one
rename, so a failed save never leaves half a file.

These functions block (Docker SDK calls); DockerBackend runs them in threads.
"""

from __future__ import annotations

import io
import tarfile
import time
import uuid

from sandbox.backends.base import HOME, FileEntry, FileProblem
from sandbox.backends.docker.exec import run_bounded

TIMEOUT = ["timeout", "-s", "KILL", "20"]
DEADLINE = 25  # seconds, kept here even if the student replaced `timeout`
OUTPUT_LIMIT = 1 << 20  # a listing of 1000 entries is far below this
ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}

# Exit codes of the scripts below, as FileProblem reasons.
REASONS = {
    40: "invalid",
    41: "not-found",
    42: "outside",
    43: "is-dir",
    44: "not-file",
    45: "too-large",
    46: "changed",
    47: "exists",
    48: "not-dir",
}

# $1 is always the path; `realpath -e` resolves every symlink as the kernel would.
INSIDE_HOME = f"case $r in {HOME}|{HOME}/*) ;; *) exit 42;; esac"

LIST = f"""
r=$(realpath -e -- "$1" 2>/dev/null) || exit 41
{INSIDE_HOME}
[ -d "$r" ] || exit 48
cd -- "$r" && find . -mindepth 1 -maxdepth 1 -printf '%Y\\t%y\\t%s\\t%P\\0' | head -z -n "$2"
"""

READ = f"""
r=$(realpath -e -- "$1" 2>/dev/null) || exit 41
{INSIDE_HOME}
[ -d "$r" ] && exit 43
[ -f "$r" ] || exit 44
[ "$(stat -c %s -- "$r")" -le "$2" ] || exit 45
exec head -c "$(($2 + 1))" -- "$r"
"""

# $2: "-" to overwrite, "" for a new file only, else the SHA-256 the file must
# still have. Prints "new" or "old", NUL, the resolved path.
PREPARE = f"""
r=$(realpath -m -- "$1" 2>/dev/null) || exit 40
case $r in {HOME}/*) ;; *) exit 42;; esac
state=new
if [ -e "$r" ]; then
  [ -d "$r" ] && exit 43
  [ -f "$r" ] || exit 44
  state=old
  case $2 in
    -) ;;
    "") exit 47;;
    *) [ "$(sha256sum -- "$r" | cut -d' ' -f1)" = "$2" ] || exit 46;;
  esac
fi
d=${{r%/*}}
mkdir -p -- "$d" 2>/dev/null || exit 48
d=$(realpath -e -- "$d") || exit 41
case $d in {HOME}|{HOME}/*) ;; *) exit 42;; esac
printf '%s\\0%s' "$state" "$r"
"""

# $1: the target, $2: the uploaded temporary file beside it.
COMMIT = """
if [ -f "$1" ]; then
  chmod --reference="$1" -- "$2" && chown --reference="$1" -- "$2" 2>/dev/null
else
  chmod 644 -- "$2"
fi
mv -fT -- "$2" "$1" || { rm -f -- "$2"; exit 1; }
"""


def _run(workspace, script: str, *args: str, max_bytes: int = OUTPUT_LIMIT):
    # The student can replace every command these scripts use: read with a bound and a deadline.
    result = run_bounded(
        workspace.client.api,
        workspace.id,
        [*TIMEOUT, "sh", "-c", script, "sh", *args],
        environment=ENV,
        max_bytes=max_bytes,
        timeout=DEADLINE,
    )
    if result.exit_code is None:
        raise FileProblem("failed", "the command in the sandbox printed too much or took too long")
    return result.exit_code, result.stdout, result.stderr


def _check(exit_code: int, path: str, err: bytes) -> None:
    if exit_code in REASONS:
        raise FileProblem(REASONS[exit_code], path)
    if exit_code != 0:
        raise FileProblem("failed", f"{path}: {err.decode('utf-8', 'replace').strip()[:200]}")


def list_dir(workspace, path: str, limit: int) -> list[FileEntry]:
    exit_code, out, err = _run(workspace, LIST, path, str(limit))
    _check(exit_code, path, err)
    entries = []
    for record in out.split(b"\0"):
        # %Y (what a link points to) TAB %y (the entry itself) TAB size TAB name
        parts = record.split(b"\t", 3)
        if len(parts) != 4 or not parts[2].isdigit() or not parts[3]:
            continue
        target_type, own_type, size, name = parts
        entries.append(
            FileEntry(
                name=name.decode("utf-8", "replace"),
                kind={b"d": "dir", b"f": "file"}.get(target_type, "other"),
                size=int(size),
                link=own_type == b"l",
            )
        )
    return entries


def read_file(workspace, path: str, max_bytes: int) -> bytes:
    exit_code, out, err = _run(workspace, READ, path, str(max_bytes), max_bytes=max_bytes + OUTPUT_LIMIT)
    _check(exit_code, path, err)
    if len(out) > max_bytes:  # it grew between the check and the read
        raise FileProblem("too-large", path)
    return out


def write_file(workspace, path: str, data: bytes, expected: str | None) -> bool:
    exit_code, out, err = _run(workspace, PREPARE, path, "-" if expected is None else expected)
    _check(exit_code, path, err)
    try:
        state, _, real = out.decode("utf-8").partition("\0")
    except UnicodeDecodeError:  # a symlink led to a name that is not UTF-8
        raise FileProblem("invalid", path) from None
    folder, _, name = real.rpartition("/")
    temporary = f".{name[:200]}.dockyard-{uuid.uuid4().hex[:12]}"
    if not workspace.put_archive(folder or "/", _tar(temporary, data)):
        raise FileProblem("failed", path)
    exit_code, _, err = _run(workspace, COMMIT, real, f"{folder}/{temporary}")
    _check(exit_code, path, err)
    return state == "new"


def _tar(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o600
        info.mtime = int(time.time())
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
