"""Is a book's ```docker block a Dockerfile one could build, or a fragment?

Books show single instructions (`RUN <command>`), syntax templates and even
ASCII diagrams in Dockerfile blocks. Only a block that reads as a sequence of
Dockerfile instructions with a FROM (after optional ARGs), and without
placeholders, is offered as a file to save and build.
"""

import re

from books.shell import HAN_RE, has_placeholders, is_template

INSTRUCTIONS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
DIRECTIVE_RE = re.compile(r"^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$")
HEREDOC_RE = re.compile(r"<<(-?)(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
IMAGE_RE = re.compile(r"^[A-Za-z0-9_${][A-Za-z0-9_.\-/:@${}]*$")


def instructions(code):
    """[(KEYWORD, arguments)] of a Dockerfile, or None if some line is not part of an instruction."""
    lines = code.splitlines()
    escape, index = "\\", 0
    while index < len(lines) and (found := DIRECTIVE_RE.match(lines[index])):  # parser directives
        if found.group(1).lower() == "escape":
            escape = found.group(2)
        index += 1
    result, current = [], None
    while index < len(lines):
        line = lines[index]
        index += 1
        stripped = line.strip()
        if current is None:
            if not stripped or stripped.startswith("#"):
                continue
            keyword, _, arguments = stripped.partition(" ")
            if keyword.upper() not in INSTRUCTIONS:
                return None
            current = [keyword.upper(), arguments.strip()]
        elif stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        else:
            current[1] += " " + stripped
        for found in HEREDOC_RE.finditer(line) if current[0] in ("RUN", "COPY", "ADD") else ():
            delimiter, strip_tabs = found.group(3), bool(found.group(1))
            while index < len(lines) and (lines[index].lstrip("\t") if strip_tabs else lines[index]) != delimiter:
                index += 1
            if index == len(lines):
                return None  # the here-document never ends
            index += 1
        if current[1].endswith(escape):
            current[1] = current[1][: -len(escape)].rstrip()
            continue
        if not current[1]:
            return None  # an instruction without arguments
        result.append(tuple(current))
        current = None
    if current is not None:
        return None  # ends on a continuation
    return result


def _has_placeholder(keyword, arguments):
    if keyword == "RUN" and not arguments.startswith("["):
        return is_template(arguments)
    return has_placeholders(arguments) or (keyword == "FROM" and bool(HAN_RE.search(arguments)))


def _from_is_an_image(arguments):
    words = arguments.split()
    while words and words[0].startswith("--"):
        words.pop(0)
    if len(words) == 3 and words[1].lower() == "as":
        words = words[:1]
    return len(words) == 1 and bool(IMAGE_RE.match(words[0]))


def is_buildable(code):
    """A whole Dockerfile: instructions only, FROM first (after ARGs), no placeholders."""
    parsed = instructions(code)
    if not parsed:
        return False
    keywords = [keyword for keyword, _ in parsed]
    first = next((keyword for keyword in keywords if keyword != "ARG"), None)
    if first != "FROM":
        return False
    for keyword, arguments in parsed:
        if keyword == "FROM" and not _from_is_an_image(arguments):
            return False
        if _has_placeholder(keyword, arguments):
            return False
    return True
