"""A shell's output as asciicast v2, with its commands marked.

asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): a header line,
a JSON object, then one JSON array per event, `[seconds, code, data]`, in the
order they happened: "o" output (text), "r" resize ("COLSxROWS"), "m" marker
(a label). Runs off the event loop (recordings.keeper writes in a thread).

Commands come from the shell's prompt marker (sandbox.prompt_marker): after a
marker, bash prints its prompt and echoes what the student types, up to the
newline Enter sends. That line, drawn by a small line model
(sandbox.screen_text) and without the prompt, is the command; its marker
`$ <command>` is put where the newline is (the command starts), and the next
prompt marker closes it with `exit <status>` (`exit ?` when the shell did not
say).
"""

from __future__ import annotations

import codecs
import json
import re

from sandbox.prompt_marker import MARKER_LONGEST, MARKER_PATTERN
from sandbox.screen_text import screen_lines

COMMAND_PREFIX = "$ "
EXIT_PREFIX = "exit "
MARKER_START = b"\x1b]7771;"
LINE_LIMIT = 4096  # bytes of a prompt and command line looked at
COMMAND_LIMIT = 300  # characters of a command kept in its marker
_PROMPT = re.compile(r"^.*?[$#](?: |$)")  # the workspace's prompt ends with "$ " (root: "# ")


def header(cols: int, rows: int, timestamp: int, title: str = "") -> bytes:
    head = {"version": 2, "width": cols, "height": rows, "timestamp": timestamp}
    if title:
        head["title"] = title
    head["env"] = {"TERM": "xterm-256color", "SHELL": "/bin/bash"}
    return _line(head)


def _line(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, separators=(", ", ": ")) + "\n").encode()


def command_of(line: bytes) -> str:
    """The command on a prompt line as the screen shows it, without the prompt."""
    drawn = screen_lines(line, rows=1, cols=LINE_LIMIT)
    text = drawn[-1] if drawn else ""
    return _PROMPT.sub("", text, count=1).strip()[:COMMAND_LIMIT]


class CastEncoder:
    """One recording's events as asciicast lines; keeps what spans two batches
    (a UTF-8 character, a marker, a prompt line split between reads)."""

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._carry = b""  # the end of the last read that may start a marker
        self._line: bytearray | None = None  # after a prompt marker: the prompt and command so far
        self._command_open = False  # a command's marker went out, its exit not yet

    def output(self, at: float, data: bytes, commands: bool = True) -> bytes:
        """An "o" event, and the command markers `data` completes (not for a screen
        replayed at the start of a recording: its commands ran before)."""
        text = self._decoder.decode(data)
        lines = [_line([_time(at), "o", text])] if text else []
        if commands:
            lines.extend(self._commands(at, data))
        return b"".join(lines)

    def resize(self, at: float, cols: int, rows: int) -> bytes:
        return _line([_time(at), "r", f"{cols}x{rows}"])

    def marker(self, at: float, label: str) -> bytes:
        return _line([_time(at), "m", label])

    def _commands(self, at: float, data: bytes) -> list[bytes]:
        buffer, position, lines = self._carry + data, 0, []
        for match in MARKER_PATTERN.finditer(buffer):
            lines.extend(self._text(at, buffer[position : match.start()]))
            position = match.end()
            if match.group(1) == b"prompt":
                if self._command_open:
                    status = match.group(2).decode() if match.group(2) is not None else "?"
                    lines.append(self.marker(at, EXIT_PREFIX + status))
                    self._command_open = False
                self._line = bytearray()
        rest = buffer[position:]
        escape = rest.rfind(b"\x1b", max(0, len(rest) - MARKER_LONGEST))
        # Held back for the next read only if it may still become a marker.
        maybe = (
            escape != -1
            and MARKER_START.startswith(rest[escape:][: len(MARKER_START)])
            and b"\x07" not in rest[escape:]
        )
        cut = escape if maybe else len(rest)
        lines.extend(self._text(at, rest[:cut]))
        self._carry = rest[cut:]
        return lines

    def _text(self, at: float, text: bytes) -> list[bytes]:
        if self._line is None or not text:
            return []
        newline = text.find(b"\n")
        self._line += text[: newline if newline != -1 else len(text)][: LINE_LIMIT - len(self._line)]
        if newline == -1:
            return []
        command, self._line = command_of(bytes(self._line)), None
        if not command or command.endswith("^C"):
            return []  # Enter on an empty line, or a line given up with Ctrl-C
        self._command_open = True
        return [self.marker(at, COMMAND_PREFIX + command)]


def _time(at: float) -> float:
    return round(at, 6)
