"""Spotting the shell's prompt marker in terminal output.

The workspace's bash prints an OSC 7771 sequence before every prompt
(PROMPT_COMMAND in sandbox/images/workspace/bashrc; tmux, when a student runs it, passes it through
with allow-passthrough). Seeing it means "a command just finished", which is
when a lesson's checks are worth running: no polling. xterm.js ignores the
unknown OSC, so the bytes are passed on unchanged.
"""
from __future__ import annotations

PROMPT_MARKER = b"\x1b]7771;prompt\x07"


class MarkerDetector:
    """Counts markers in a byte stream that arrives in arbitrary chunks."""

    def __init__(self, marker: bytes = PROMPT_MARKER):
        self.marker = marker
        self._tail = b""  # the end of the previous chunk that may start a marker

    def feed(self, data: bytes) -> int:
        """How many markers end in this chunk."""
        buffer = self._tail + data
        count, start = 0, 0
        while (found := buffer.find(self.marker, start)) != -1:
            count += 1
            start = found + len(self.marker)
        rest = buffer[start:]
        # Keep only what could still become a marker: from the last ESC on.
        escape = rest.rfind(self.marker[:1], max(0, len(rest) - len(self.marker) + 1))
        self._tail = rest[escape:] if escape != -1 else b""
        return count
