"""`$ ` lines of shell sessions become Run commands, without the prompt and without
output; a command is kept whole however many lines it takes."""
from books.shell import is_incomplete, session_commands
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


def test_lines_inside_an_interactive_program_are_output(book):
    # `/ # ls` is the container's prompt: shown, never typed. What follows `exit`
    # is the next `$ ` command; when it runs is the terminal's Run rule.
    assert runnable_commands(page_html(book, "basics-stop"))[5] == [
        "docker run -dit --name box busybox sh",
        "docker exec -it box sh",
        "docker ps --format '{{.Names}}'",
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
    assert _texts(session) == [
        "cat > app.txt <<'END'\nline one\n$ not a prompt inside the here-document\nEND",
        "printf '%s\\n' a \\\n  b",
        "echo done",
    ]


def test_constructs_take_the_lines_that_close_them_however_they_are_prompted():
    assert _texts("$ for i in 1 2 3\ndo\n  echo $i\ndone\n1\n2\n3\n$ echo after\nafter\n") == [
        "for i in 1 2 3\ndo\n  echo $i\ndone", "echo after",
    ]
    assert _texts("$ while read line; do\n>   echo \"$line\"\n> done < list.txt\n") == [
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
        "for i in 1 2; do", "echo next",
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
