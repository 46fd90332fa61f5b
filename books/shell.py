"""Shell sessions as books write them: which lines are commands, which are templates.

A session shows `$ command` lines followed by the command's output. A command
is kept whole: a line ending in a backslash, a here-document, and a compound
command (`for … do … done`, `if … fi`, a function, an open quote) take the
lines that follow, whether the book prompts them with `$ `, `> ` or nothing.
Completeness is decided by a bash parser (bashlex), not by lines.

A *template* is a syntax line with placeholders for the reader to fill in
(`docker stop <CONTAINER_ID>`, `docker image rm [选项] <镜像1>`,
`docker stop 容器名或ID`): typed, it fails, so it is never run with Enter.
"""

import re
import shlex
from dataclasses import dataclass

import bashlex
import bashlex.errors

PROMPT = "$ "
# The prompt of a shell inside a container: root@3f2a1b:/app#, / #, bash-5.2#.
PROGRAM_PROMPT_RE = re.compile(r"^(?:[\w.-]+@[\w.-]+:[^\s#$]*[#$]|/[\w/.-]* ?#|(?:ba)?sh-[\d.]+[#$])(?: (.*)|$)")
EXIT_RE = re.compile(r"^exit(?:\s+\d+)?$")
CONTINUATION_PROMPTS = ("$ ", "> ")
HEREDOC_RE = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")

# Placeholders, looked for in a command with its quoted strings and comment removed.
ANGLE_RE = re.compile(r"(?<![<\w$])<([^<>\n;|&()]+)>")
SQUARE_RE = re.compile(r"(?<!\[)\[(?![\[\s])([^\[\]\n]+)\]")
HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60]")
USAGE_WORDS = frozenset(
    {
        "OPTIONS",
        "CONTAINER",
        "CONTAINER_ID",
        "IMAGE",
        "IMAGE_ID",
        "COMMAND",
        "ARG",
        "REPOSITORY",
        "TAG",
        "NETWORK",
        "VOLUME",
        "SERVICE",
        "NODE",
        "STACK",
        "SRC_PATH",
        "DEST_PATH",
    }
)
QUOTED_RE = re.compile(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"")
COMMENT_RE = re.compile(r"(^|\s)#.*$", re.MULTILINE)
# Commands whose arguments are free text: `echo 你好` is a command, not a template.
TEXT_COMMANDS = frozenset({"echo", "printf"})


@dataclass(frozen=True)
class Command:
    text: str
    template: bool = False


def _bare(text):
    """The command without its quoted strings and comments: what placeholders hide in."""
    return COMMENT_RE.sub(" ", QUOTED_RE.sub("''", text))


def _is_angle_placeholder(inner):
    """`<CONTAINER_ID>`, `<镜像1>`, not a redirection: `< /dev/null`, `</dev/null 2>`, `<in >out`."""
    if inner[0].isspace() or inner[0] in "/.~$-<" or inner[-1].isspace():
        return False
    return not re.search(r"\s\d+$", inner)


def has_placeholders(text):
    """`<name>` or `[OPTIONS]`-like placeholders outside quotes."""
    bare = _bare(text)
    if any(_is_angle_placeholder(found.group(1)) for found in ANGLE_RE.finditer(bare)):
        return True
    for found in SQUARE_RE.finditer(bare):
        inner = found.group(1)
        if HAN_RE.search(inner) or "..." in inner or "<" in inner or re.search(r"[A-Z]{3}", inner):
            return True
    return False


def is_template(text):
    """Whether a command holds placeholders for the reader to fill in."""
    if has_placeholders(text):
        return True
    bare = _bare(text)
    words = bare.split()
    if any(word.rstrip(".") in USAGE_WORDS or word == "..." for word in words[1:]):
        return True
    for word in words:
        if word in TEXT_COMMANDS:
            break  # what follows is text to print
        if HAN_RE.search(word):
            return True
    return False


def _open_by_keywords(text):
    """For what bashlex does not implement (`case`, `$((…))`): are keywords left open?"""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
    lexer.commenters = "#"
    try:
        words = list(lexer)
    except ValueError:  # an open quote
        return True
    depth = 0
    for word in words:
        if word in ("if", "case", "for", "while", "until", "select", "{"):
            depth += 1
        elif word in ("fi", "esac", "done", "}"):
            depth -= 1
    # `for`/`while`/`until`/`select` close with `done`, counted once: their `do` is not counted.
    return depth > 0


# Words and operators after which bash may want more lines; without them (and
# with quotes closed) a command is complete, and bashlex, which is slow, is not asked.
MAY_CONTINUE = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "for",
        "while",
        "until",
        "case",
        "select",
        "do",
        "function",
        "{",
        "(",
        "[[",
        "|",
        "&&",
        "||",
    }
)


def _surely_complete(text):
    if "`" in text or text.rstrip().endswith("\\"):
        return False
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
    lexer.commenters = ""
    try:
        words = list(lexer)
    except ValueError:  # an open quote
        return False
    return not MAY_CONTINUE.intersection(words)


def is_incomplete(text):
    """Whether bash would wait for more lines after `text` (a `>` prompt)."""
    if _surely_complete(text):
        return False
    try:
        bashlex.parse(text)
    except NotImplementedError:
        return _open_by_keywords(text)
    except bashlex.errors.ParsingError as exc:
        # bashlex raises plain ParsingError for both; only end-of-input errors mean "more to come".
        return "EOF" in exc.message or "end-of-file" in exc.message
    except Exception:  # noqa: BLE001 - bashlex has gaps; a command it cannot read is taken as it is
        return False
    return False


def _without_heredoc_bodies(lines, bodies):
    """The lines bashlex is given: here-document bodies left out, their operators made plain redirections."""
    kept = []
    for index, line in enumerate(lines):
        if index in bodies:
            continue
        kept.append(HEREDOC_RE.sub("< /dev/null", line))
    return "\n".join(kept)


def opens_a_program(text):
    """`docker run -it …`, `docker exec -it …`, `docker attach …`: the shell waits while the student works inside."""
    words = text.split()
    if len(words) < 2 or words[0] != "docker":
        return False
    verb = words[2] if words[1] == "container" and len(words) > 2 else words[1]
    if verb == "attach":
        return True
    if verb not in ("run", "exec", "start"):
        return False
    flags = "".join(w[1:] for w in words if w.startswith("-") and not w.startswith("--"))
    long_flags = {w.split("=")[0] for w in words if w.startswith("--")}
    interactive = "i" in flags or "--interactive" in long_flags
    terminal = "t" in flags or "--tty" in long_flags or (verb == "start" and "a" in flags)
    return interactive and terminal and "d" not in flags and "--detach" not in long_flags


def session_commands(code):
    """The commands of a shell session, in order, as Command(text, template).

    After a command that opens an interactive program, lines at that
    program's prompt (`root@abc:/# ls`, `/ # ls`) are commands for it, up to
    an `exit` line; the terminal's Run types them into the program.
    """
    lines = code.splitlines()
    commands, index, inside = [], 0, False
    while index < len(lines):
        line = lines[index]
        found = PROGRAM_PROMPT_RE.match(line) if inside else None
        if found:
            index += 1
            text = (found.group(1) or "").strip()
            if text:
                commands.append(Command(text=text, template=is_template(text)))
                inside = not EXIT_RE.match(text)
            continue
        if not line.startswith(PROMPT) or not line[len(PROMPT) :].strip():
            index += 1
            continue
        taken, bodies, end = _take_command(lines, index)
        if taken is None:  # never completes in this block: the old rule, one line
            taken, bodies, end = [line[len(PROMPT) :]], set(), index + 1
        shell_text = "\n".join(text for i, text in enumerate(taken) if i not in bodies)
        commands.append(Command(text="\n".join(taken), template=is_template(shell_text)))
        inside = opens_a_program(shell_text)
        index = end
    return commands


def _take_command(lines, start):
    """(the command's lines, which of them are here-document text, the index after them).

    The lines are None if the command never completes in the block.
    """
    taken, bodies, heredocs = [lines[start][len(PROMPT) :]], set(), []
    index = start
    while True:
        line = taken[-1]
        if heredocs:
            delimiter, strip_tabs = heredocs[0]
            if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                heredocs.pop(0)
        else:
            for found in HEREDOC_RE.finditer(line):
                heredocs.append((found.group(3), bool(found.group(1))))
        continuing = bool(heredocs) or line.endswith("\\")
        if not continuing and not is_incomplete(_without_heredoc_bodies(taken, bodies)):
            return taken, bodies, index + 1
        index += 1
        if index >= len(lines):
            return None, None, index
        following = lines[index]
        if heredocs:
            bodies.add(len(taken))  # here-document text is taken as written
        elif not line.endswith("\\"):
            for prompt in CONTINUATION_PROMPTS:
                if following.startswith(prompt) or following == prompt.strip():
                    following = following[len(prompt) :]
                    break
        taken.append(following)
