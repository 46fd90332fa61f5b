"""What a book's fenced code blocks offer: Run for shell sessions, Save for
Dockerfiles one can build, a drawing for Mermaid diagrams.

Books write shell sessions the way a terminal shows them: `$ command` lines
followed by the command's output. Only the commands (books.shell) are typed
into the student's terminal; a template line is put at the prompt without
Enter.
"""

from dataclasses import dataclass, field

from books.dockerfiles import instructions, is_buildable
from books.shell import PROMPT, session_commands
from lessons.rendering import CodeBlock

SHELL_LANGUAGES = frozenset({"bash", "shell", "console", "sh"})
# docker_practice labels most of its Dockerfiles ```docker; Pygments reads both alike.
DOCKERFILE_LANGUAGES = frozenset({"dockerfile", "docker"})
DIAGRAM_LANGUAGES = frozenset({"mermaid"})


def _typeable(text):
    # A Tab typed into bash triggers completion, other control bytes are key bindings.
    return text.endswith("\n") and not any((ord(ch) < 32 and ch != "\n") or ord(ch) == 127 for ch in text)


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


@dataclass
class BlockStats:
    """What the code blocks of a book offer, for the import summary."""

    runnable: int = 0  # blocks with Run
    commands: int = 0  # commands Run types, templates included
    templates: list = field(default_factory=list)  # (page path, command text)
    dockerfiles: list = field(default_factory=list)  # (page path, where Save writes it)
    fragments: int = 0  # Dockerfile blocks that are not whole Dockerfiles: Copy only
    diagrams: int = 0


def run_item(command):
    """A command as the terminal's Run reads it: text, or a template to complete (no Enter)."""
    return {"text": command.text, "enter": False} if command.template else command.text


class PageBlocks:
    """The fence hook of one page: a CodeBlock per fenced block, counted into `stats`.

    Each buildable Dockerfile is saved into a folder of its own:
    ~/book-<page> for the page's first, ~/book-<page>-2 for the second ...
    """

    def __init__(self, page_path, page_slug, stats):
        self.page_path, self.page_slug, self.stats = page_path, page_slug, stats
        self.saved = 0

    def __call__(self, info, code):
        words = info.split()
        language = words[0].lower() if words else ""
        if language in DIAGRAM_LANGUAGES:
            self.stats.diagrams += 1
            return CodeBlock(code=code, language=language, runnable=False, diagram=True)
        if language in DOCKERFILE_LANGUAGES:
            return self._dockerfile(code)
        first_line = next((line for line in code.splitlines() if line.strip()), "")
        if language in SHELL_LANGUAGES or (not language and first_line.startswith(PROMPT)):
            commands = session_commands(code)
            if commands:
                self.stats.runnable += 1
                self.stats.commands += len(commands)
                self.stats.templates += [(self.page_path, c.text) for c in commands if c.template]
                return CodeBlock(
                    code=code, language="console", runnable=True, run_commands=tuple(run_item(c) for c in commands)
                )
        # Never the lessons' `console run` rule: in a book only `$ ` lines run.
        return CodeBlock(code=code, language=language, runnable=False)

    def _dockerfile(self, code):
        if not is_buildable(code):
            self.stats.fragments += 1
            # An ASCII drawing in a Dockerfile block is not highlighted as instructions.
            language = "dockerfile" if instructions(code) else "text"
            return CodeBlock(code=code, language=language, runnable=False)
        self.saved += 1
        directory = f"~/book-{self.page_slug}" + (f"-{self.saved}" if self.saved > 1 else "")
        self.stats.dockerfiles.append((self.page_path, f"{directory}/Dockerfile"))
        return CodeBlock(
            code=code,
            language="dockerfile",
            runnable=False,
            save_name="Dockerfile",
            save_path=f"{directory}/Dockerfile",
            # Then into the folder, so the book's next `docker build .` builds it.
            save_commands=save_file_commands(directory, "Dockerfile", code) + (f"cd {directory}",),
        )
