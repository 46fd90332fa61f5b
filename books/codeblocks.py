"""What a book's fenced code blocks offer: Run for shell sessions, Save for Dockerfiles.

Books write shell sessions the way a terminal shows them: `$ command` lines
followed by the command's output. Only the `$ ` lines (and the lines that
continue them) are typed into the student's terminal.
"""
import re

from lessons.rendering import CodeBlock

SHELL_LANGUAGES = frozenset({"bash", "shell", "console", "sh"})
# docker_practice labels most of its Dockerfiles ```docker; Pygments reads both alike.
DOCKERFILE_LANGUAGES = frozenset({"dockerfile", "docker"})
PROMPT = "$ "
HEREDOC_RE = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")


def session_commands(code):
    """The commands of a shell session: `$ ` lines without the prompt.

    A line ending in a backslash continues on the next line, and a here-document
    takes every line up to its delimiter; both are kept with the command.
    Other lines are output and are not returned.
    """
    commands, current, heredoc, strip_tabs = [], None, None, False
    for line in code.splitlines():
        if current is None:
            if not line.startswith(PROMPT) or not line[len(PROMPT):].strip():
                continue
            current = [line[len(PROMPT):]]
        else:
            current.append(line)
        if heredoc is not None:
            if (line.lstrip("\t") if strip_tabs else line) == heredoc:
                heredoc = None
        else:
            found = HEREDOC_RE.search(line)
            if found:
                strip_tabs, heredoc = bool(found.group(1)), found.group(3)
        if heredoc is None and not line.endswith("\\"):
            commands.append("\n".join(current))
            current = None
    if current is not None:
        commands.append("\n".join(current))
    return commands


def _typeable(text):
    # A Tab typed into bash triggers completion, other control bytes are key bindings.
    return text.endswith("\n") and not any(
        (ord(ch) < 32 and ch != "\n") or ord(ch) == 127 for ch in text
    )


def _ansi_c_quoted(text):
    escapes = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    out = []
    for ch in text:
        if ch in escapes:
            out.append(escapes[ch])
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "$'" + "".join(out) + "'"


def save_file_commands(directory, filename, content):
    """Shell commands that write `content` byte for byte to directory/filename.

    `directory` is used unquoted (so `~` expands): it must be a safe path such
    as `~/book-some-slug`. The commands survive being typed into an interactive
    bash: a quoted here-document (no expansion, `!` left alone) when the text
    has no Tab or control character, else printf with $'...' quoting.
    """
    target = f"{directory}/{filename}"
    if _typeable(content) or content == "":
        delimiter = "EOF"
        lines = set(content.splitlines())
        while delimiter in lines:
            delimiter += "_"
        command = f"mkdir -p {directory} && cat > {target} <<'{delimiter}'\n{content}{delimiter}"
    else:
        command = f"mkdir -p {directory} && printf '%s' {_ansi_c_quoted(content)} > {target}"
    return (command,)


def book_code_block(info, code, page_slug):
    """The CodeBlock for one fenced block of a book page (the fence hook of render_markdown)."""
    words = info.split()
    language = words[0].lower() if words else ""
    if language in DOCKERFILE_LANGUAGES:
        return CodeBlock(
            code=code, language="dockerfile", runnable=False,
            save_name="Dockerfile",
            save_commands=save_file_commands(f"~/book-{page_slug}", "Dockerfile", code),
        )
    first_line = next((line for line in code.splitlines() if line.strip()), "")
    if language in SHELL_LANGUAGES or (not language and first_line.startswith(PROMPT)):
        commands = session_commands(code)
        if commands:
            return CodeBlock(code=code, language="console", runnable=True, run_commands=tuple(commands))
    # Never the lessons' `console run` rule: in a book only `$ ` lines run.
    return CodeBlock(code=code, language=language, runnable=False)
