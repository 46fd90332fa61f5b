"""Dockerfile blocks get a Save as Dockerfile button whose commands write the file exactly."""
import json
import subprocess

from markdown_it import MarkdownIt

from books.codeblocks import save_file_commands
from books.tests.helpers import FIXTURE_BOOK, elements, page_html


def fixture_dockerfile():
    """The Dockerfile block of build/dockerfile.md, as the parser reads it."""
    tokens = MarkdownIt("commonmark").parse((FIXTURE_BOOK / "build" / "dockerfile.md").read_text())
    return next(t.content for t in tokens if t.type == "fence" and t.info == "dockerfile")


def save_commands_on(html):
    return [json.loads(a["data-commands"]) for tag, a in elements(html)
            if tag == "span" and "save-as" in a.get("class", "")]


def test_the_block_has_a_save_button_with_the_file_writing_command(book):
    html = page_html(book, "build-dockerfile")
    content = fixture_dockerfile()
    # The Dockerfile holds a line "EOF" of its own, so the delimiter steps aside.
    assert save_commands_on(html) == [[
        f"mkdir -p ~/book-build-dockerfile && cat > ~/book-build-dockerfile/Dockerfile <<'EOF_'\n{content}EOF_"
    ]]
    assert ">Save as Dockerfile</button>" in html
    assert '<span class="k">FROM</span>' in html  # highlighted as a Dockerfile


def test_only_dockerfile_blocks_get_one(book):
    for page in book.pages.exclude(slug="build-dockerfile"):
        assert save_commands_on(page.html) == [], page.slug


def test_text_with_a_tab_is_written_with_printf_instead():
    (command,) = save_file_commands("~/d", "Dockerfile", "FROM busybox\n\tRUN true\n")
    assert command == "mkdir -p ~/d && printf '%s' $'FROM busybox\\n\\tRUN true\\n' > ~/d/Dockerfile"


def _written_by_bash(tmp_path, commands):
    subprocess.run(["bash", "-c", "\n".join(commands)], env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                   check=True, timeout=10)
    return (tmp_path / "d" / "Dockerfile").read_bytes()


def test_bash_writes_the_file_byte_for_byte(tmp_path):
    for content in [
        fixture_dockerfile(),
        "FROM busybox\n\tRUN echo 'it''s' \"$HOME\" `id` \\\\ !! 你好\n",
        "FROM busybox\nRUN echo EOF\nEOF\nEOF_\n",
        "",
    ]:
        assert _written_by_bash(tmp_path, save_file_commands("~/d", "Dockerfile", content)) == content.encode()
