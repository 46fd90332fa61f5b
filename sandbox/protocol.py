"""The terminal websocket's control messages (docs/terminal-protocol.md).

Binary frames carry terminal bytes both ways and are never parsed. Text
frames carry one JSON object each, with a "type".
"""

from __future__ import annotations

import dataclasses
import json
import re

MIN_COLS, MAX_COLS = 2, 500
MIN_ROWS, MAX_ROWS = 1, 200
MAX_CONTROL_LENGTH = 1024
MAX_ACK = 1 << 40


class ProtocolError(ValueError):
    """A control message the server does not understand; the reason is sent back."""


@dataclasses.dataclass(frozen=True)
class Resize:
    cols: int
    rows: int


@dataclasses.dataclass(frozen=True)
class Ack:
    bytes: int


@dataclasses.dataclass(frozen=True)
class Ping:
    pass


@dataclasses.dataclass(frozen=True)
class Reply:
    """xterm.js's answer to a program's query (cursor position …), told apart from typing."""

    data: str


@dataclasses.dataclass(frozen=True)
class TakeOver:
    """A watcher asks to type in the shell too (on), or either side ends that (off)."""

    on: bool


MAX_REPLY = 256
# What a terminal answers: CSI … R/c/n/y/t, OSC colour reports, DCS replies.
_REPLY = re.compile(
    r"\x1b(\[[?>=]?[0-9;]*(\$y|[Rcnt])|\][0-9;]+;rgb:[0-9a-fA-F/]+(\x07|\x1b\\)|P[0-9]?[!|>$+]?r?[^\x1b]*\x1b\\)"
)


def _int_field(message: dict, name: str) -> int:
    value = message.get(name)
    # bool is an int in Python; a resize of `true` columns is still nonsense.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProtocolError(f"'{name}' must be a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise ProtocolError(f"'{name}' must be a finite number")
    return int(value)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def parse_control(text: str) -> Resize | Ack | Ping | Reply | TakeOver:
    if len(text) > MAX_CONTROL_LENGTH:
        raise ProtocolError("control message too long")
    try:
        message = json.loads(text)
    except ValueError:
        raise ProtocolError("control message is not valid JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError("control message must be a JSON object")
    kind = message.get("type")
    if kind == "resize":
        cols = _clamp(_int_field(message, "cols"), MIN_COLS, MAX_COLS)
        rows = _clamp(_int_field(message, "rows"), MIN_ROWS, MAX_ROWS)
        return Resize(cols=cols, rows=rows)
    if kind == "ack":
        return Ack(bytes=_clamp(_int_field(message, "bytes"), 0, MAX_ACK))
    if kind == "ping":
        return Ping()
    if kind == "reply":
        data = message.get("data")
        if not isinstance(data, str) or len(data) > MAX_REPLY or not _REPLY.fullmatch(data):
            raise ProtocolError("'data' must be one terminal reply")
        return Reply(data=data)
    if kind == "take-over":
        if not isinstance(message.get("on"), bool):
            raise ProtocolError("'on' must be true or false")
        return TakeOver(on=message["on"])
    raise ProtocolError(f"unknown control message type: {kind!r}"[:200])


def status(state: str, **fields) -> str:
    return json.dumps({"type": "status", "state": state, **fields})


def shell_mark(kind: str, status: int | None) -> str:
    """The shell printed a prompt (a command finished, with its status) or a continuation prompt."""
    return json.dumps({"type": "prompt", "state": "ready" if kind == "prompt" else "continue", "status": status})


def typist(name: str | None, you: bool) -> str:
    """Who besides the owner types in this shell now (null: nobody); `you`: this terminal."""
    return json.dumps({"type": "typist", "name": name, "you": you})


def size(cols: int, rows: int) -> str:
    return f'{{"type":"size","cols":{int(cols)},"rows":{int(rows)}}}'


def input_ack(count: int) -> str:
    return f'{{"type":"input-ack","bytes":{count}}}'


def error(message: str) -> str:
    return json.dumps({"type": "error", "message": message})
