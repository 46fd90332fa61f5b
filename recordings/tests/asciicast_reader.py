"""An asciicast v2 reader written from the format's specification
(https://docs.asciinema.org/manual/asciicast/v2/), independent of the code that
writes recordings: the tests read every file with it, and with the asciinema
package's own reader where that is installed."""

from __future__ import annotations

import json

CODES = {"o", "i", "m", "r"}


class NotAsciicast(ValueError):
    pass


def read(data: bytes) -> tuple[dict, list[list]]:
    """(header, events) of a file; raises NotAsciicast where it breaks the format."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotAsciicast(f"not UTF-8: {error}") from None
    if not text.endswith("\n"):
        raise NotAsciicast("the last line is not complete")
    lines = text.split("\n")[:-1]
    if not lines:
        raise NotAsciicast("empty")
    header = _json(lines[0], 1)
    if not isinstance(header, dict) or header.get("version") != 2:
        raise NotAsciicast("the header is not a version 2 object")
    for field in ("width", "height"):
        if not isinstance(header.get(field), int) or header[field] <= 0:
            raise NotAsciicast(f"the header's {field} is not a positive integer")
    if "timestamp" in header and not isinstance(header["timestamp"], int):
        raise NotAsciicast("the header's timestamp is not an integer")
    events, last = [], 0.0
    for number, line in enumerate(lines[1:], 2):
        event = _json(line, number)
        if not (isinstance(event, list) and len(event) == 3):
            raise NotAsciicast(f"line {number}: an event is [time, code, data]")
        time, code, value = event
        if not isinstance(time, int | float) or isinstance(time, bool) or time < last:
            raise NotAsciicast(f"line {number}: times must be numbers that never go back")
        if code not in CODES or not isinstance(value, str):
            raise NotAsciicast(f"line {number}: unknown code {code!r} or data not a string")
        if code == "r" and not _size(value):
            raise NotAsciicast(f"line {number}: a resize is COLSxROWS")
        events.append(event)
        last = time
    return header, events


def _json(line: str, number: int):
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise NotAsciicast(f"line {number}: {error}") from None


def _size(value: str) -> bool:
    cols, _, rows = value.partition("x")
    return cols.isdigit() and rows.isdigit()


def output(events) -> str:
    return "".join(data for _time, code, data in events if code == "o")


def markers(events) -> list[str]:
    return [data for _time, code, data in events if code == "m"]
