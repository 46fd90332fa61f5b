"""Encoding a shell's output as asciicast v2, with its commands marked."""

import json

from recordings.cast import CastEncoder, command_of, header
from recordings.tests import asciicast_reader

PROMPT = b"\x1b]7771;prompt;%d\x07\x1b[1;36mdockyard\x1b[0m:\x1b[1;34m~\x1b[0m$ "


def prompt(status=0):
    return PROMPT % status


def encode(chunks, cols=80, rows=24):
    encoder = CastEncoder()
    data = header(cols, rows, 1_700_000_000)
    for at, chunk in enumerate(chunks):
        data += encoder.output(float(at), chunk)
    return asciicast_reader.read(data)


def test_it_writes_a_header_and_output_events():
    head, events = encode([b"hello ", b"world\r\n"])
    assert head == {
        "version": 2,
        "width": 80,
        "height": 24,
        "timestamp": 1_700_000_000,
        "env": {"TERM": "xterm-256color", "SHELL": "/bin/bash"},
    }
    assert events == [[0.0, "o", "hello "], [1.0, "o", "world\r\n"]]


def test_it_marks_each_command_where_it_starts_and_its_exit_status_where_it_ends():
    _head, events = encode(
        [prompt(0), b"l", b"s -l", b"\r\n", b"total 0\r\n" + prompt(0), b"false\r\n" + prompt(1), b"\r\n" + prompt(1)]
    )
    assert asciicast_reader.markers(events) == ["$ ls -l", "exit 0", "$ false", "exit 1"]
    times = {data: time for time, code, data in events if code == "m"}
    assert times["$ ls -l"] == 3.0 and times["exit 0"] == 4.0  # the newline's read, the next prompt's
    assert "exit 1" in times and len(asciicast_reader.markers(events)) == 4  # Enter alone is no command


def test_a_marker_and_a_character_split_between_reads_come_out_whole():
    whole = prompt(0) + "echo 你好\r\n你好\r\n".encode() + prompt(0)
    chunks = [whole[i : i + 3] for i in range(0, len(whole), 3)]
    _head, events = encode(chunks)
    assert asciicast_reader.markers(events) == ["$ echo 你好", "exit 0"]
    assert "你好\r\n你好" in asciicast_reader.output(events)
    assert "\ufffd" not in asciicast_reader.output(events)


def test_the_command_is_the_line_as_drawn_after_editing():
    assert command_of(b"\x1b[1;36mdockyard\x1b[0m:~$ lx\b \bs -a\x1b[K") == "ls -a"
    assert command_of(b"root@box:/# apt update") == "apt update"
    assert command_of(b"dockyard:~$ ") == ""


def test_a_status_the_shell_did_not_give_is_a_question_mark():
    _head, events = encode([b"\x1b]7771;prompt\x07$ ", b"true\r\n", b"\x1b]7771;prompt\x07$ "])
    assert asciicast_reader.markers(events) == ["$ true", "exit ?"]


def test_resizes_and_markers_are_events_of_their_own():
    encoder = CastEncoder()
    assert json.loads(encoder.resize(1.5, 100, 30)) == [1.5, "r", "100x30"]
    assert json.loads(encoder.marker(2.0, "recording turned off")) == [2.0, "m", "recording turned off"]


def test_a_screen_replayed_at_the_start_marks_no_command():
    encoder = CastEncoder()
    data = encoder.output(0.0, prompt(0) + b"ls\r\nfile\r\n" + prompt(0), commands=False)
    assert [event[1] for event in map(json.loads, data.splitlines())] == ["o"]


def test_a_line_given_up_with_ctrl_c_is_no_command():
    _head, events = encode([prompt(0), b"rm -rf x^C\r\n", prompt(130), b"ls\r\n", prompt(0)])
    assert asciicast_reader.markers(events) == ["$ ls", "exit 0"]
