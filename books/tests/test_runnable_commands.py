"""`$ ` lines of shell sessions become Run commands, without the prompt and without output."""
from books.codeblocks import session_commands
from books.tests.helpers import elements, page_html, runnable_commands


def test_the_page_runs_exactly_the_prompted_commands(book):
    assert runnable_commands(page_html(book, "basics-run")) == [
        ["docker run --rm busybox echo hello", "docker run --rm \\\n    busybox uname -s"],
        ["docker ps --format '{{.Names}}'"],
    ]
    assert runnable_commands(page_html(book, "basics-images")) == [["docker image ls"]]
    assert runnable_commands(page_html(book, "build-dockerfile")) == [
        ["docker build -t greeting ~/book-build-dockerfile", "docker run --rm greeting"],
    ]


def test_the_session_is_shown_as_written_with_its_output(book):
    html = page_html(book, "basics-run")
    assert '<span class="gp">$ </span>docker' in html
    assert '<span class="go">hello</span>' in html and '<span class="go">Linux</span>' in html


def test_comment_lines_in_code_are_code_not_headings(book):
    html = page_html(book, "basics-run")
    assert "## this comment line is not a heading" in html
    assert [tag for tag, _ in elements(html) if tag.startswith("h")] == ["h1"]
    assert book.pages.get(slug="basics-images").toc == [
        {"level": 2, "id": "dangling-images", "text": "Dangling images"},
    ]


def test_a_script_without_prompts_gets_no_run_button(book):
    html = page_html(book, "basics-run")
    script_block = html.split("A script is shown, never run:")[1].split("</div>\n</div>")[0]
    assert "run-btn" not in script_block and "copy-btn" in script_block


def test_continuations_and_here_documents_stay_with_their_command():
    session = (
        "$ cat > app.txt <<'END'\n"
        "line one\n"
        "$ not a prompt inside the here-document\n"
        "END\n"
        "$ printf '%s\\n' a \\\n"
        "  b\n"
        "a\n"
        "b\n"
        "$\n"
        "$ echo done\n"
        "done\n"
    )
    assert session_commands(session) == [
        "cat > app.txt <<'END'\nline one\n$ not a prompt inside the here-document\nEND",
        "printf '%s\\n' a \\\n  b",
        "echo done",
    ]


def test_only_dollar_space_is_a_prompt():
    assert session_commands("# apt-get update\n$HOME\nroot@c:/# ls\n$ ls\n") == ["ls"]
