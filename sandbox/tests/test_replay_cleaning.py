"""Replaying a shell's recent output never types anything and never draws a
full-screen program that has exited (sandbox/replay.py)."""

import pytest

from sandbox.replay import clean

QUERIES = [
    b"\x1b[6n",
    b"\x1b[5n",
    b"\x1b[?6n",
    b"\x1b[?15n",
    b"\x1b[c",
    b"\x1b[0c",
    b"\x1b[>c",
    b"\x1b[>0c",
    b"\x1b[=c",
    b"\x1b[?1$p",
    b"\x1b[2$p",
    b"\x1b[14t",
    b"\x1b[18t",
    b"\x1b[21t",
    b"\x1b[11t",
    b"\x1b[>0q",
    b"\x1b[?u",
    b"\x1b]10;?\x07",
    b"\x1b]11;?\x1b\\",
    b"\x1b]4;1;?\x07",
    b"\x1bP$qm\x1b\\",
    b"\x1bP+q544e\x1b\\",
    b"\x05",
]


@pytest.mark.parametrize("query", QUERIES)
def test_terminal_queries_are_dropped(query):
    # busybox sh asks for the cursor position before each prompt, vi for more.
    assert clean(b"/ # " + query + b"ls\r\n") == b"/ # ls\r\n"


@pytest.mark.parametrize(
    "kept",
    [
        b"\x1b[31mred\x1b[0m",
        b"\x1b[2J\x1b[H",
        b"\x1b[8;24;80t",
        b"\x1b[22;0t",
        b"\x1b[?25l",
        b"\x1b[?2004h",
        b"\x1b]0;title\x07",
        b"\x1b]7771;prompt\x07",
        "中文 \u201c引号\u201d 蛛 ✓".encode(),
        b"\x1b[1;5H",
    ],
)
def test_everything_else_is_kept(kept):
    assert clean(b"a" + kept + b"b") == b"a" + kept + b"b"


def test_a_full_screen_program_that_exited_is_not_drawn_again():
    before, after = b"$ top\r\n", b"$ echo done\r\ndone\r\n"
    top = b"\x1b[?1049h\x1b[H\x1b[2Jtop - 10:00 load average\x1b[?1049l"
    assert clean(before + top + after) == before + after
    assert clean(before + top + b"$ less x\r\n" + top + after) == before + b"$ less x\r\n" + after


def test_a_full_screen_program_still_open_is_kept_from_its_start():
    before = b"$ vi notes\r\n"
    vi = b"\x1b[?1049h\x1b[Hnotes line 1\r\n~\r\n"
    assert clean(before + vi) == before + vi


def test_a_replay_that_starts_inside_an_ended_session_drops_its_frames():
    assert clean(b"frame of top\r\nmore frame\x1b[?1049l$ ls\r\n") == b"$ ls\r\n"


def test_alternate_screen_switches_among_other_modes_are_seen():
    assert clean(b"a\x1b[?1;1049hvim\x1b[?1049;1lb") == b"ab"
    assert clean(b"a\x1b[?47hless\x1b[?47lb") == b"ab"


def test_a_whole_replay_buffer_is_cleaned_throughout():
    data = (b"\x1b[32mline\x1b[0m of output \x1b[6n with a query\r\n" * 3000)[: 128 * 1024]
    cleaned = clean(data)
    assert b"\x1b[6n" not in cleaned
    assert cleaned.count(b"with a query\r\n") == data.count(b"with a query\r\n")
