"""The text miniature of a shell's screen (sandbox.screen_text)."""

from sandbox.screen_text import screen_lines

PROMPT = b"\x1b]7771;prompt;0\x07\x1b[01;32mroot@u7\x1b[00m:~# "


def test_it_keeps_the_last_lines_as_a_terminal_shows_them():
    typed = PROMPT + b"lss\x08\x1b[K\r\nbash: lss: command not found\r\n" + PROMPT
    assert screen_lines(typed, 8, 80) == ["root@u7:~# ls", "bash: lss: command not found", "root@u7:~#"]


def test_a_cleared_screen_and_carriage_returns_overwrite():
    data = b"old output\r\n\x1b[H\x1b[2Jprogress 10%\rprogress 100%\r\ndone\r\n"
    assert screen_lines(data, 8, 80) == ["progress 100%", "done"]


def test_it_cuts_to_the_screens_width_and_height():
    data = b"".join(f"line {i} ".encode() + b"x" * 200 + b"\r\n" for i in range(30))
    lines = screen_lines(data, 5, 40)
    assert len(lines) == 5 and lines[0].startswith("line 25 ") and all(len(line) <= 40 for line in lines)


def test_wide_and_broken_characters_do_not_break_it():
    assert screen_lines("你好\t世界\r\n".encode() + b"\xff\xfe ok", 4, 80) == ["你好      世界", "\ufffd\ufffd ok"]
