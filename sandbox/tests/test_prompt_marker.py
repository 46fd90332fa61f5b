from sandbox.prompt_marker import PROMPT_MARKER, MarkerDetector


def test_it_counts_markers_in_one_chunk():
    assert MarkerDetector().feed(b"ls\r\n" + PROMPT_MARKER + b"$ ") == 1
    assert MarkerDetector().feed(PROMPT_MARKER * 3) == 3
    assert MarkerDetector().feed(b"plain output \x1b[0m\x1b]0;title\x07") == 0


def test_it_finds_a_marker_split_at_every_possible_point():
    stream = b"out\x1b[1m" + PROMPT_MARKER + b"more\x1b" + PROMPT_MARKER + b"\x1b]7771;"
    for first in range(len(stream)):
        for second in range(first, len(stream)):
            detector = MarkerDetector()
            found = sum(detector.feed(part) for part in (stream[:first], stream[first:second], stream[second:]))
            assert found == 2, (first, second)


def test_it_finds_a_marker_fed_byte_by_byte():
    detector = MarkerDetector()
    assert sum(detector.feed(bytes([b])) for b in b"x" + PROMPT_MARKER + b"y") == 1


def test_the_typed_command_is_not_a_marker():
    # What the terminal echoes when the student types the printf by hand.
    assert MarkerDetector().feed(rb"printf '\ePtmux;\e\e]7771;prompt\a\e\\'") == 0


def test_it_keeps_little_memory():
    detector = MarkerDetector()
    detector.feed(b"a" * 100_000 + b"\x1b]77")
    assert detector._tail == b"\x1b]77"
    detector.feed(b"b" * 10)
    assert detector._tail == b""
