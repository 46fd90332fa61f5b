import json

import pytest

from sandbox import protocol
from sandbox.protocol import Ack, Ping, ProtocolError, Resize, parse_control


def test_it_parses_resize():
    assert parse_control('{"type": "resize", "cols": 120, "rows": 40}') == Resize(120, 40)


@pytest.mark.parametrize(
    "cols, rows, expected",
    [
        (0, 0, Resize(2, 1)),
        (-5, -9, Resize(2, 1)),
        (10**9, 10**9, Resize(500, 200)),
        (1e300, 3.7, Resize(500, 3)),
    ],
)
def test_it_clamps_absurd_resize_values(cols, rows, expected):
    assert parse_control(json.dumps({"type": "resize", "cols": cols, "rows": rows})) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"type": "launch-missiles"}', "unknown control message type"),
        ('{"cols": 80, "rows": 24}', "unknown control message type"),
        ('{"type": "resize", "cols": "80", "rows": 24}', "'cols' must be a number"),
        ('{"type": "resize", "cols": true, "rows": 24}', "'cols' must be a number"),
        ('{"type": "resize", "cols": 80}', "'rows' must be a number"),
        ('{"type": "resize", "cols": NaN, "rows": 24}', "finite"),
        ('{"type": "resize", "cols": Infinity, "rows": 24}', "finite"),
        ('{"type": "ack"}', "'bytes' must be a number"),
        ("{" + " " * 2000 + "}", "too long"),
    ],
)
def test_it_rejects_bad_control_messages(text, reason):
    with pytest.raises(ProtocolError, match=reason):
        parse_control(text)


def test_it_parses_ack_and_ping():
    assert parse_control('{"type": "ack", "bytes": 65536}') == Ack(65536)
    assert parse_control('{"type": "ack", "bytes": -3}') == Ack(0)
    assert parse_control('{"type": "ping"}') == Ping()


def test_status_messages_are_json_with_a_state():
    assert json.loads(protocol.status("starting", step="engine")) == {
        "type": "status",
        "state": "starting",
        "step": "engine",
    }
