"""Which paths the file editor accepts, and which bytes count as text."""

import pytest

from sandbox.backends.base import FileProblem
from sandbox.files import decode_text, display_path, encode_text, normalize_path


@pytest.mark.parametrize(
    "given, expected",
    [
        ("", "/root"),
        ("~", "/root"),
        ("~/", "/root"),
        ("/root", "/root"),
        ("/root/", "/root"),
        ("Dockerfile", "/root/Dockerfile"),
        ("hello/Dockerfile", "/root/hello/Dockerfile"),
        ("~/hello/Dockerfile", "/root/hello/Dockerfile"),
        ("/root/hello/Dockerfile", "/root/hello/Dockerfile"),
        ("./hello//./index.html", "/root/hello/index.html"),
        ("~/.bashrc", "/root/.bashrc"),
        ("~/网站/首页.html", "/root/网站/首页.html"),
        ("~/with space/a b.txt", "/root/with space/a b.txt"),
        ("~/...", "/root/..."),
        ("~/a..b", "/root/a..b"),
    ],
)
def test_it_accepts_paths_in_the_home_folder(given, expected):
    assert normalize_path(given) == expected


@pytest.mark.parametrize(
    "given, reason",
    [
        ("..", "outside"),
        ("../etc/passwd", "outside"),
        ("~/../etc/passwd", "outside"),
        ("/root/../etc/passwd", "outside"),
        ("hello/../../etc", "outside"),
        ("hello/../Dockerfile", "outside"),  # `..` is refused even when it would stay inside
        ("/etc/passwd", "outside"),
        ("/", "outside"),
        ("/rootkit/file", "outside"),
        ("/root2", "outside"),
        ("~root/file", "outside"),
        ("~bob/file", "outside"),
        ("a\0b", "invalid"),
        ("~/a\nb", "invalid"),
        ("~/a\x1b[31m", "invalid"),
        ("~/" + "x" * 256, "invalid"),
        ("~/" + "a/" * 600, "invalid"),
        (None, "invalid"),
        (["~/a"], "invalid"),
    ],
)
def test_it_refuses_paths_outside_or_malformed(given, reason):
    with pytest.raises(FileProblem) as caught:
        normalize_path(given)
    assert caught.value.reason == reason


def test_it_shows_paths_with_a_tilde():
    assert display_path("/root") == "~"
    assert display_path("/root/hello/Dockerfile") == "~/hello/Dockerfile"


def test_utf8_text_round_trips():
    text = "FROM debian:bookworm\nRUN echo 你好，世界 ✓\n"
    assert decode_text(encode_text(text, "p"), "p") == text


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\0\0", b"caf\xe9\n", b"text\0with nul"])
def test_it_refuses_binary_bytes(data):
    with pytest.raises(FileProblem) as caught:
        decode_text(data, "p")
    assert caught.value.reason == "binary"


@pytest.mark.parametrize("text", ["a\0b", "lone \ud800 surrogate"])
def test_it_refuses_text_that_is_not_utf8_text(text):
    with pytest.raises(FileProblem) as caught:
        encode_text(text, "p")
    assert caught.value.reason == "binary"
