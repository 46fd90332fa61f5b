"""Spotting the shell's markers in terminal output.

The workspace's bash prints an OSC 7771 sequence before every prompt, with the
exit status of the command that just finished (`ESC ] 7771 ; prompt ; 0 BEL`,
PROMPT_COMMAND in sandbox/images/workspace/bashrc), and one in its
continuation prompt PS2 (`ESC ] 7771 ; continue BEL`: bash waits for more of a
command, a heredoc or an open quote). tmux, when a student runs it, passes
them through. Seeing a prompt means "a command just finished": when lesson
checks are worth running and the next line of a Run block may be typed. No
polling. xterm.js ignores unknown OSC sequences, so the bytes pass unchanged.
"""

from __future__ import annotations

import dataclasses
import re

PROMPT_MARKER = b"\x1b]7771;prompt\x07"  # the form without a status, still understood
# A marker: group 1 its kind, group 2 the exit status if any (recordings scan for it too).
MARKER_PATTERN = re.compile(rb"\x1b\]7771;(prompt|continue)(?:;(-?[0-9]{1,3}))?\x07")
MARKER_LONGEST = len(b"\x1b]7771;continue;-255\x07")


@dataclasses.dataclass(frozen=True)
class ShellMark:
    kind: str  # "prompt" (a command finished) or "continue" (bash waits for more of one)
    status: int | None = None  # the finished command's exit status, when the shell said


class MarkerDetector:
    """Finds markers in a byte stream that arrives in arbitrary chunks."""

    def __init__(self):
        self._tail = b""  # the end of the previous chunk that may start a marker

    def feed(self, data: bytes) -> list[ShellMark]:
        buffer = self._tail + data
        marks, end = [], 0
        for match in MARKER_PATTERN.finditer(buffer):
            status = int(match.group(2)) if match.group(2) is not None else None
            marks.append(ShellMark(match.group(1).decode(), status))
            end = match.end()
        rest = buffer[end:]
        # Keep only what could still become a marker: from the last ESC near the end.
        escape = rest.rfind(b"\x1b", max(0, len(rest) - MARKER_LONGEST))
        self._tail = rest[escape:] if escape != -1 else b""
        return marks
