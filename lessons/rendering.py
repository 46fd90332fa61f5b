"""Lesson Markdown to safe HTML.

Order matters for safety: markdown-it renders with raw HTML disabled, nh3
sanitizes that output, and only then are the code blocks put in. Code blocks
carry buttons and data attributes that nh3 would strip, so they are built here
from escaped pieces and stand in the sanitized HTML as unguessable markers.
"""
import html
import json
import secrets
from dataclasses import dataclass

import nh3
from django.utils import translation
from django.utils.translation import gettext
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

RUNNABLE_LANGUAGES = frozenset({"console", "bash", "sh", "shell"})
RUN_FLAG = "run"
TOC_LEVELS = (2, 3)

_HEADINGS = {f"h{n}" for n in range(1, 7)}
ALLOWED_TAGS = _HEADINGS | {
    "a", "blockquote", "br", "code", "del", "div", "em", "hr", "img", "li",
    "ol", "p", "pre", "s", "span", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    **{tag: {"id"} for tag in _HEADINGS},
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "code": {"class"},
    "th": {"style"},  # markdown-it's column alignment
    "td": {"style"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# Pygments output, cleaned once more before it goes in next to trusted markup.
CODE_TAGS = {"div", "pre", "span", "code"}
CODE_ATTRIBUTES = {tag: {"class"} for tag in CODE_TAGS}

_formatter = HtmlFormatter(cssclass="highlight")


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    toc: list  # [{"level": 2, "id": "...", "text": "..."}]


@dataclass(frozen=True)
class CodeBlock:
    code: str
    language: str
    runnable: bool
    # Set when the commands are not simply the code's lines (a shell session
    # with prompts and output); the code is then highlighted as `language`.
    run_commands: tuple | None = None
    # A "Save as <save_name>" button that runs save_commands in the terminal.
    save_name: str = ""
    save_commands: tuple = ()

    @property
    def commands(self):
        if self.run_commands is not None:
            return list(self.run_commands)
        return split_commands(self.code)


def parse_info(info):
    """`console run` -> ("console", True); `python` -> ("python", False)."""
    words = info.split()
    language = words[0].lower() if words else ""
    return language, language in RUNNABLE_LANGUAGES and RUN_FLAG in words[1:]


def split_commands(code):
    """One command per line; a trailing backslash continues onto the next line.

    Blank lines and comment lines between commands are skipped. A continued
    command keeps its backslash-newline, which a shell reads as one line.
    """
    commands, current = [], []
    for raw in code.splitlines():
        line = raw.rstrip()
        if not current:
            line = line.lstrip()
            if not line or line.startswith("#"):
                continue
        current.append(line)
        if not line.endswith("\\"):
            commands.append("\n".join(current))
            current = []
    if current:
        commands.append("\n".join(current))
    return commands


def highlight_code(code, language, attrs=""):
    """markdown-it's `highlight` option: Pygments HTML in `<div class="highlight">`."""
    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    return pygments_highlight(code, lexer, _formatter)


def _make_markdown():
    md = MarkdownIt("commonmark", {"html": False, "highlight": highlight_code}).enable("table")
    md.use(anchors_plugin, min_level=1, max_level=4)
    md.add_render_rule("fence", _render_fence)
    return md


def _render_fence(renderer, tokens, idx, options, env):
    token = tokens[idx]
    block = env["fence"](token.info, token.content) if env.get("fence") else None
    if block is None:
        language, runnable = parse_info(token.info)
        block = CodeBlock(code=token.content, language=language, runnable=runnable)
    blocks = env["code_blocks"]
    blocks.append(block)
    return f"\n{_marker(env['nonce'], len(blocks) - 1)}\n"


def _rewrite_urls(tokens, rewrite_url):
    """Give every link href and image src to rewrite_url(kind, url).

    kind is "link" or "image". A new URL replaces the old one; None drops a
    link but keeps its text, and drops an image but keeps its alt text.
    """
    for token in tokens:
        if not token.children:
            continue
        children, dropping_link = [], False
        for child in token.children:
            if child.type == "link_open":
                url = rewrite_url("link", child.attrGet("href") or "")
                dropping_link = url is None
                if dropping_link:
                    continue
                child.attrSet("href", url)
            elif child.type == "link_close" and dropping_link:
                dropping_link = False
                continue
            elif child.type == "image":
                url = rewrite_url("image", child.attrGet("src") or "")
                if url is None:
                    child.type, child.tag = "text", ""
                    child.content = "".join(c.content for c in child.children or [])
                    child.children = None
                else:
                    child.attrSet("src", url)
            children.append(child)
        token.children = children


def _marker(nonce, index):
    return f"dockyard-code-block-{nonce}-{index}"


def _code_block_html(block):
    # Runnable blocks are highlighted as plain shell: their lines are commands, not a session.
    plain_commands = block.runnable and block.run_commands is None
    lexer_name = "bash" if plain_commands else block.language
    code_html = nh3.clean(
        highlight_code(block.code, lexer_name), tags=CODE_TAGS, attributes=CODE_ATTRIBUTES
    )
    copy = _button("copy-btn", "copy", gettext("Copy"))
    if block.save_commands:
        copy = _save_button(block) + copy
    if not block.runnable:
        return f'<div class="code-block"><div class="code-actions">{copy}</div>{code_html}</div>'
    run = _button("run-btn", "run", gettext("Run"))
    commands = html.escape(json.dumps(block.commands, ensure_ascii=False), quote=True)
    return (
        f'<div class="code-block runnable" data-commands="{commands}">'
        f'<div class="code-actions">{run}{copy}</div>{code_html}</div>'
    )


def _save_button(block):
    # The wrapper is what the terminal's Run handler looks for (closest ".runnable"),
    # so saving needs no script of its own; Copy still copies the code itself.
    commands = html.escape(json.dumps(list(block.save_commands), ensure_ascii=False), quote=True)
    label = gettext("Save as %(name)s") % {"name": block.save_name}
    return (
        f'<span class="runnable save-as" data-commands="{commands}">'
        f'{_button("run-btn save-btn", "run", label)}</span>'
    )


def _button(css_class, action, label):
    return (
        f'<button type="button" class="{css_class}" data-action="{action}">'
        f"{html.escape(label)}</button>"
    )


def _table_of_contents(tokens):
    toc = []
    for idx, token in enumerate(tokens):
        if token.type != "heading_open" or int(token.tag[1]) not in TOC_LEVELS:
            continue
        children = tokens[idx + 1].children or []
        text = "".join(c.content for c in children if c.type in ("text", "code_inline"))
        toc.append({"level": int(token.tag[1]), "id": token.attrGet("id"), "text": text})
    return toc


def render_markdown(text, language="en", *, rewrite_url=None, fence=None):
    """Render lesson Markdown; button labels are translated into `language`.

    Optional hooks (used by the book importer): rewrite_url(kind, url), see
    _rewrite_urls; fence(info, code) returns a CodeBlock for a fenced block,
    or None for the lessons' own rules.
    """
    md = _make_markdown()
    env = {"code_blocks": [], "nonce": secrets.token_hex(8), "fence": fence}
    tokens = md.parse(text, env)
    if rewrite_url is not None:
        _rewrite_urls(tokens, rewrite_url)
    body = nh3.clean(
        md.renderer.render(tokens, md.options, env),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    )
    with translation.override(language):
        for index, block in enumerate(env["code_blocks"]):
            body = body.replace(_marker(env["nonce"], index), _code_block_html(block), 1)
    return RenderedMarkdown(html=body, toc=_table_of_contents(tokens))
