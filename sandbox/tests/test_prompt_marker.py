from sandbox.prompt_marker import PROMPT_MARKER, MarkerDetector, ShellMark

PROMPT_0 = b"\x1b]7771;prompt;0\x07"
PROMPT_127 = b"\x1b]7771;prompt;127\x07"
CONTINUE = b"\x1b]7771;continue\x07"


def kinds(marks):
    return [(mark.kind, mark.status) for mark in marks]


def test_it_finds_markers_with_the_exit_status():
    assert kinds(MarkerDetector().feed(b"ls\r\n" + PROMPT_0 + b"$ ")) == [("prompt", 0)]
    assert kinds(MarkerDetector().feed(b"nope\r\n" + PROMPT_127)) == [("prompt", 127)]
    assert kinds(MarkerDetector().feed(PROMPT_MARKER * 2)) == [("prompt", None)] * 2  # the older form
    assert MarkerDetector().feed(b"plain output \x1b[0m\x1b]0;title\x07") == []


def test_it_finds_continuation_prompts():
    marks = MarkerDetector().feed(
        b"cat <<EOF\r\n" + CONTINUE + b"> hello\r\n" + CONTINUE + b"> EOF\r\nhello\r\n" + PROMPT_0
    )
    assert kinds(marks) == [("continue", None), ("continue", None), ("prompt", 0)]
    assert marks[-1] == ShellMark("prompt", 0)


def test_it_finds_a_marker_split_at_every_possible_point():
    stream = b"out\x1b[1m" + PROMPT_0 + b"more\x1b" + CONTINUE + PROMPT_127 + b"\x1b]7771;"
    for first in range(len(stream)):
        for second in range(first, len(stream)):
            detector = MarkerDetector()
            found = [m for part in (stream[:first], stream[first:second], stream[second:]) for m in detector.feed(part)]
            assert kinds(found) == [("prompt", 0), ("continue", None), ("prompt", 127)], (first, second)


def test_it_finds_a_marker_fed_byte_by_byte():
    detector = MarkerDetector()
    found = [m for b in b"x" + PROMPT_0 + b"y" for m in detector.feed(bytes([b]))]
    assert kinds(found) == [("prompt", 0)]


def test_the_typed_command_is_not_a_marker():
    # What the terminal echoes when the student types the printf by hand.
    assert MarkerDetector().feed(rb"printf '\ePtmux;\e\e]7771;prompt;%d\a\e\\' 0") == []


def test_it_keeps_little_memory():
    detector = MarkerDetector()
    detector.feed(b"a" * 100_000 + b"\x1b]77")
    assert detector._tail == b"\x1b]77"
    detector.feed(b"b" * 40)
    assert detector._tail == b""
