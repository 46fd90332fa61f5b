"""Only whole Dockerfiles get Save as Dockerfile: each into a folder of its own,
named beside the button; fragments, templates and drawings get Copy only."""

import json
import re
import subprocess

import pytest
from markdown_it import MarkdownIt

from books.codeblocks import save_file_commands
from books.dockerfiles import instructions, is_buildable
from books.tests.helpers import FIXTURE_BOOK, elements, page_html


def fixture_dockerfile():
    """The Dockerfile block of build/dockerfile.md, as the parser reads it."""
    tokens = MarkdownIt("commonmark").parse((FIXTURE_BOOK / "build" / "dockerfile.md").read_text())
    return next(t.content for t in tokens if t.type == "fence" and t.info == "dockerfile")


def save_commands_on(html):
    return [
        json.loads(a["data-commands"]) for tag, a in elements(html) if tag == "span" and "save-as" in a.get("class", "")
    ]


def save_paths_on(html):
    return re.findall(r'<div class="save-path">([^<]*)</div>', html)


def test_the_block_has_a_save_button_with_the_file_writing_command(book):
    html = page_html(book, "build-dockerfile")
    content = fixture_dockerfile()
    # The Dockerfile holds a line "EOF" of its own, so the delimiter steps aside.
    assert save_commands_on(html) == [
        [
            f"mkdir -p ~/book-build-dockerfile && cat > ~/book-build-dockerfile/Dockerfile <<'EOF_'\n{content}EOF_",
            "cd ~/book-build-dockerfile",
        ]
    ]
    assert ">Save as Dockerfile</button>" in html
    assert '<span class="k">FROM</span>' in html  # highlighted as a Dockerfile


def test_it_says_where_it_saves(book):
    html = page_html(book, "build-dockerfile")
    assert save_paths_on(html) == ["Saves to ~/book-build-dockerfile/Dockerfile"]
    assert '<div class="code-block has-save">' in html


def test_each_dockerfile_of_a_page_gets_a_folder_of_its_own(book):
    html = page_html(book, "build-instructions")
    writes = [commands[0].split(" && ")[0] for commands in save_commands_on(html)]
    assert writes == ["mkdir -p ~/book-build-instructions", "mkdir -p ~/book-build-instructions-2"]
    assert save_paths_on(html) == [
        "Saves to ~/book-build-instructions/Dockerfile",
        "Saves to ~/book-build-instructions-2/Dockerfile",
    ]


def test_fragments_and_drawings_get_copy_only(book):
    html = page_html(book, "build-instructions")
    blocks = html.split('<div class="code-block')[1:]
    fragments = [block for block in blocks if "Save as" not in block and "runnable" not in block.split(">")[0]]
    assert len(fragments) == 3  # RUN <command>, RUN apt-get update, the drawing
    assert all("copy-btn" in block for block in fragments)
    assert '<span class="k">RUN</span>' in fragments[0]
    assert '<span class="k">' not in fragments[2]  # the drawing is not highlighted as instructions


def test_only_pages_with_whole_dockerfiles_get_one(book):
    with_save = {page.slug for page in book.pages.all() if save_commands_on(page.html)}
    assert with_save == {"build-dockerfile", "build-instructions"}


BUILDABLE = [
    'FROM busybox\nCMD ["echo", "hi"]\n',
    "# syntax=docker/dockerfile:1\nARG V=bookworm\nFROM debian:${V} AS build\nRUN <<EOF\napt-get update\nEOF\n"
    "FROM scratch\nCOPY --from=build /etc/os-release /\n",
    "# escape=`\nFROM busybox\nRUN echo a `\n  b\n",
    "from busybox\nrun echo lower case works too\n",
    "FROM nginx\nHEALTHCHECK --interval=5s CMD curl -f http://localhost/ || exit 1\n",
]
NOT_BUILDABLE = [
    "RUN <command>\n",
    "RUN apt-get update\n",
    "FROM <基础镜像>\nRUN echo hi\n",
    "FROM 镜像名\n",
    "FROM image\nCOPY [--chown=<user>:<group>] <源路径>... <目标路径>\n",
    "FROM busybox\nRUN <<EOF\necho never closed\n",
    "FROM busybox\nRUN echo \\\n",
    "+-----+\n| RUN |\n+-----+\n",
    "FROM busybox\nthis line is prose\n",
    'CMD ["echo"]\nFROM busybox\n',
    "",
]


@pytest.mark.parametrize("code", BUILDABLE)
def test_whole_dockerfiles_are_buildable(code):
    assert is_buildable(code)


@pytest.mark.parametrize("code", NOT_BUILDABLE)
def test_fragments_templates_and_drawings_are_not(code):
    assert not is_buildable(code)


def test_instructions_are_read_as_docker_reads_them():
    assert instructions("FROM busybox\n# a comment\nRUN echo a \\\n  # inside\n  && echo b\nCMD x\n") == [
        ("FROM", "busybox"),
        ("RUN", "echo a && echo b"),
        ("CMD", "x"),
    ]


def test_text_with_a_tab_is_written_with_printf_instead():
    (command,) = save_file_commands("~/d", "Dockerfile", "FROM busybox\n\tRUN true\n")
    assert command == "mkdir -p ~/d && printf '%s' $'FROM busybox\\n\\tRUN true\\n' > ~/d/Dockerfile"


def _written_by_bash(tmp_path, commands):
    subprocess.run(
        ["bash", "-c", "\n".join(commands)],
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=True,
        timeout=10,
    )
    return (tmp_path / "d" / "Dockerfile").read_bytes()


def test_bash_writes_the_file_byte_for_byte(tmp_path):
    for content in [
        fixture_dockerfile(),
        "FROM busybox\n\tRUN echo 'it''s' \"$HOME\" `id` \\\\ !! 你好\n",
        "FROM busybox\nRUN echo EOF\nEOF\nEOF_\n",
        "",
    ]:
        assert _written_by_bash(tmp_path, save_file_commands("~/d", "Dockerfile", content)) == content.encode()
