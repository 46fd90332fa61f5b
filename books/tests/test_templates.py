"""Syntax lines with placeholders are templates: Run puts them at the prompt
without Enter, and the block says so."""

import pytest

from books.services import import_book
from books.shell import is_template
from books.tests.helpers import FIXTURE_BOOK, elements, page_html, runnable_commands

TEMPLATES = [
    "docker stop <CONTAINER_ID>",
    "docker stop 容器名或ID",
    "docker image rm [选项] <镜像1> [<镜像2> ...]",
    "docker run [OPTIONS] IMAGE [COMMAND] [ARG...]",
    "docker pull [选项] [Docker Registry 地址[:端口号]/]仓库名[:标签]",
    "docker run -d -p <host-port>:80 nginx",
    "docker rm CONTAINER",
    "export IMAGE=<你的仓库名>/nginx:1.28",
    "apk add --no-cache <package>",
    "docker run myimage curl -v ...  # 完全覆盖",
]
COMMANDS = [
    "docker run --rm busybox echo hello",
    "cat < in.txt > out.txt",
    "cat > index.html <<EOF",
    "ls [a-z]*.txt",
    "[ -f ~/x ] && echo yes",
    "echo '<b>bold</b>' > page.html",
    "echo 你好",
    "docker run --rm busybox echo 你好",
    "docker ps --format '{{.Names}}'",
    "grep '[A-Z]' names.txt",
    "docker run -e IMAGE=web busybox env  # 注释",
    "diff <(ls a) <(ls b)",
    'openssl s_client -connect "$HOST":443 </dev/null 2>/dev/null|openssl x509 >ca.crt',
    "sort <in 2>errors",
    "cat <<END",
]


@pytest.mark.parametrize("command", TEMPLATES)
def test_placeholders_make_a_template(command):
    assert is_template(command)


@pytest.mark.parametrize("command", COMMANDS)
def test_real_commands_are_not_templates(command):
    assert not is_template(command)


def test_a_template_is_given_to_run_without_enter(book):
    blocks = runnable_commands(page_html(book, "basics-stop"))
    assert blocks[0] == [{"text": "docker stop <CONTAINER_ID>", "enter": False}]
    assert blocks[1] == [
        {"text": "docker stop 容器名或ID", "enter": False},
        {"text": "docker image rm [选项] <镜像1> [<镜像2> ...]", "enter": False},
    ]
    assert all(isinstance(command, str) for block in blocks[2:] for command in block)


def test_a_block_with_a_template_is_marked_and_keeps_run_and_copy(book):
    tags = elements(page_html(book, "basics-stop"))
    marked = [attrs for tag, attrs in tags if tag == "div" and "has-template" in attrs.get("class", "")]
    assert len(marked) == 2
    badges = [attrs for tag, attrs in tags if tag == "span" and attrs.get("class") == "template-badge"]
    assert (
        badges
        == [
            {
                "class": "template-badge",
                "title": ("A template: Run puts it at the prompt, without Enter, for you to fill in."),
            }
        ]
        * 2
    )
    assert [attrs["data-action"] for tag, attrs in tags if tag == "button"][:2] == ["run", "copy"]


def test_the_badge_speaks_the_books_language(db, data_dir):
    html = page_html(import_book(FIXTURE_BOOK, slug="zh", language="zh-hans").book, "basics-stop")
    assert ">模板</span>" in html and ">运行</button>" in html
