"""`$ ` lines of shell sessions become Run commands, without the prompt and without
output; a command is kept whole however many lines it takes."""

import pytest

from books.shell import is_incomplete, opens_a_program, session_commands
from books.tests.helpers import elements, page_html, runnable_commands


def _texts(session):
    return [command.text for command in session_commands(session)]


def test_the_page_runs_exactly_the_prompted_commands(book):
    assert runnable_commands(page_html(book, "basics-run")) == [
        ["docker run --rm busybox echo hello", "docker run --rm \\\n    busybox uname -s"],
        ["docker ps --format '{{.Names}}'"],
    ]
    assert runnable_commands(page_html(book, "basics-images")) == [["docker image ls"]]
    assert runnable_commands(page_html(book, "build-dockerfile")) == [
        ["docker build -t greeting ~/book-build-dockerfile", "docker run --rm greeting"],
    ]


def test_loops_conditions_and_functions_are_typed_whole(book):
    """Written over several `$ ` or `> ` lines without backslashes, they are one command each."""
    blocks = runnable_commands(page_html(book, "basics-stop"))
    assert blocks[2:5] == [
        ["for name in web db; do\n  docker stop $name\ndone"],
        ['if docker ps -q | grep -q .; then\n  echo running\nelse\n  echo "none running"\nfi'],
        ["stopall() {\n  docker ps -q | xargs -r docker stop\n}", "stopall"],
    ]


def test_lines_at_a_programs_prompt_are_typed_into_it_up_to_exit(book):
    # After `docker exec -it`, `/ # ls` is the student typing in the container:
    # Run types it there (the terminal waits for the program), then `exit`,
    # then the next `$ ` command at the student's own prompt.
    assert runnable_commands(page_html(book, "basics-stop"))[5] == [
        "docker run -dit --name box busybox sh",
        "docker exec -it box sh",
        "ls",
        "exit",
        "docker ps --format '{{.Names}}'",
    ]


def test_a_programs_prompt_counts_only_inside_a_program():
    session = (
        "$ docker run -it --rm debian bash\n"
        "root@e7009c6ce357:/# cat /etc/os-release\n"
        'NAME="Debian"\n'
        "root@e7009c6ce357:/# exit\n"
        "exit\n"
        "/ # not typed: no program is open\n"
        "$ docker exec -i web sh\n"
        "/ # not typed either: no terminal (-t), no prompt\n"
    )
    assert _texts(session) == [
        "docker run -it --rm debian bash",
        "cat /etc/os-release",
        "exit",
        "docker exec -i web sh",
    ]


@pytest.mark.parametrize(
    "command,opens",
    [
        ("docker run -it --rm debian bash", True),
        ("docker exec -ti web sh", True),
        ("docker container run --interactive --tty debian", True),
        ("docker start -ai web", True),
        ("docker attach web", True),
        ("docker run -dit --name box busybox sh", False),  # detached: back at the prompt at once
        ("docker exec -i web sh", False),
        ("docker run -t debian", False),
        ("echo docker run -it", False),
    ],
)
def test_which_commands_open_a_program(command, opens):
    assert opens_a_program(command) is opens


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
    assert _texts(session) == [
        "cat > app.txt <<'END'\nline one\n$ not a prompt inside the here-document\nEND",
        "printf '%s\\n' a \\\n  b",
        "echo done",
    ]


def test_constructs_take_the_lines_that_close_them_however_they_are_prompted():
    assert _texts("$ for i in 1 2 3\ndo\n  echo $i\ndone\n1\n2\n3\n$ echo after\nafter\n") == [
        "for i in 1 2 3\ndo\n  echo $i\ndone",
        "echo after",
    ]
    assert _texts('$ while read line; do\n>   echo "$line"\n> done < list.txt\n') == [
        'while read line; do\n  echo "$line"\ndone < list.txt',
    ]
    assert _texts("$ case $1 in\n$   start) echo go;;\n$ esac\n") == ["case $1 in\n  start) echo go;;\nesac"]
    assert _texts("$ echo 'two\n> lines'\ntwo\nlines\n") == ["echo 'two\nlines'"]
    assert _texts("$ docker ps -q |\n> xargs docker stop\n") == ["docker ps -q |\nxargs docker stop"]


def test_a_here_document_inside_a_loop_is_kept_as_written():
    session = "$ for f in a b; do\n$   cat > $f <<EOF\n$ not a prompt\nEOF\n$ done\n"
    assert _texts(session) == ["for f in a b; do\n  cat > $f <<EOF\n$ not a prompt\nEOF\ndone"]


def test_a_construct_never_closed_falls_back_to_its_first_line():
    assert _texts("$ for i in 1 2; do\noutput that is not shell\n$ echo next\n") == [
        "for i in 1 2; do",
        "echo next",
    ]


def test_what_bash_would_wait_for():
    assert is_incomplete("for i in 1; do")
    assert is_incomplete("if true; then")
    assert is_incomplete("f() {")
    assert is_incomplete("echo 'open")
    assert is_incomplete("case x in")  # bashlex does not know `case`; keywords are counted
    assert not is_incomplete("docker run --rm busybox echo hello")
    assert not is_incomplete("echo $((1 + 2))")
    assert not is_incomplete("docker stop <CONTAINER_ID>")  # a syntax error, not an open construct


def test_only_dollar_space_is_a_prompt():
    assert _texts("# apt-get update\n$HOME\nroot@c:/# ls\n$ ls\n") == ["ls"]
