"""The last lines of a shell's screen as plain text, for miniatures of it.

Drawn from the end of the shell's replay buffer by a small line model, not a
terminal emulator: carriage returns, backspaces, erase-in-line and clearing
the screen are followed, every other control sequence is dropped. A shell
prompt, a command and its output (what shows that a student is stuck on an
error) come out right; a full-screen program (vim, top) does not, so while
one runs the text says so instead. About 0.3 ms for the 4 KiB looked at,
where pyte would take 20 ms or more (sandbox/replay.py has its measurements).
"""

from __future__ import annotations

import re

TAIL_BYTES = 4 * 1024
# CSI (with its parameters), OSC (to BEL or ST), other two-byte escapes.
_SEQUENCE = re.compile(
    r"\x1b\[([0-9;?<=>!]*)([ -/]*)([@-~])"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[P^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[()*+][0-9A-Za-z]"
    r"|\x1b[ -~]"
)


def screen_lines(data: bytes, rows: int, cols: int) -> list[str]:
    """The last `rows` lines of text `data` leaves on a screen `cols` wide."""
    text = data[-TAIL_BYTES:].decode("utf-8", "replace")
    lines: list[str] = [""]
    column = 0
    position = 0
    for match in _SEQUENCE.finditer(text):
        column = _write(lines, column, text[position : match.start()])
        position = match.end()
        if match.group(3) == "K":  # erase to the end of the line (what line editors redraw with)
            lines[-1] = lines[-1][:column]
        elif match.group(3) == "J" and match.group(1) in ("2", "3") or match.group(0) == "\x1bc":
            lines[:], column = [""], 0
    _write(lines, column, text[position:])
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    return [line[:cols].rstrip() for line in lines[-rows:]]


_PIECE = re.compile(r"[\n\r\b\t]|[^\x00-\x1f\x7f]+")


def _write(lines: list[str], column: int, text: str) -> int:
    """Put plain text on the lines; returns the cursor's column."""
    for piece in _PIECE.findall(text):
        if piece == "\n":
            lines.append("")
            column = 0
        elif piece == "\r":
            column = 0
        elif piece == "\b":
            column = max(0, column - 1)
        elif piece == "\t":
            column = (column // 8 + 1) * 8
            lines[-1] = lines[-1].ljust(column)
        else:
            line = lines[-1]
            if len(line) < column:
                line = line.ljust(column)
            lines[-1] = line[:column] + piece + line[column + len(piece) :]
            column += len(piece)
    if len(lines) > 4096:
        del lines[:-1024]
    return column
