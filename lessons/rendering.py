"""Lesson Markdown to safe HTML.

Order matters for safety: markdown-it renders (lessons with raw HTML
disabled; books with their raw HTML passed through a hook first), nh3
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
from mdit_py_plugins.container import container_plugin
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound

from lessons.states import StepState
from lessons.steps import StepError

RUNNABLE_LANGUAGES = frozenset({"console", "bash", "sh", "shell"})
RUN_FLAG = "run"
TOC_LEVELS = (2, 3)

_HEADINGS = {f"h{n}" for n in range(1, 7)}
# Markdown's own output, and the HTML a book may use (figures, sized and
# aligned images, line breaks, <details>, <kbd> ...); anything else is dropped.
ALLOWED_TAGS = _HEADINGS | {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "center",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "hr",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "var",
}
ALLOWED_ATTRIBUTES = {
    **{tag: {"id"} for tag in _HEADINGS},
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height", "align"},
    "ol": {"start"},
    "code": {"class"},
    "th": {"style", "align", "colspan", "rowspan"},  # style: markdown-it's column alignment
    "td": {"style", "align", "colspan", "rowspan"},
    "div": {"align"},
    "p": {"align"},
    "details": {"open"},
    "input": {"checked"},
}
# Only these classes survive (callouts and task lists of books); an input can
# only be a disabled checkbox (raw HTML never brings one: books.rawhtml).
ALLOWED_CLASSES = {
    "blockquote": {"callout", "callout-note", "callout-tip", "callout-important", "callout-warning", "callout-caution"},
    "p": {"callout-title"},
    "ul": {"contains-task-list"},
    "ol": {"contains-task-list"},
    "li": {"task-list-item"},
    "input": {"task-list-item-checkbox"},
}
# (nh3's set_tag_attribute_values would write attributes in a varying order.)
TAG_ATTRIBUTE_VALUES = {"input": {"type": {"checkbox"}, "disabled": {"disabled"}}}
URL_SCHEMES = {"http", "https", "mailto"}

# Pygments output, cleaned once more before it goes in next to trusted markup.
CODE_TAGS = {"div", "pre", "span", "code"}
CODE_ATTRIBUTES = {tag: {"class"} for tag in CODE_TAGS}

_formatter = HtmlFormatter(cssclass="highlight")


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    toc: list  # [{"level": 2, "id": "...", "text": "..."}], steps add "step": id
    step_ids: tuple = ()  # the `::: step ID` blocks, in order of appearance


@dataclass(frozen=True)
class CodeBlock:
    code: str
    language: str
    runnable: bool
    # Set when the commands are not simply the code's lines (a shell session
    # with prompts and output); the code is then highlighted as `language`.
    run_commands: tuple | None = None
    # A "Save as <save_name>" button that runs save_commands in the terminal,
    # writing save_path (shown under the code).
    save_name: str = ""
    save_commands: tuple = ()
    save_path: str = ""
    # A Mermaid diagram: drawn in the page, its source one click away.
    diagram: bool = False

    @property
    def commands(self):
        """What Run types: strings, and {"text": ..., "enter": False} for a template."""
        if self.run_commands is not None:
            return list(self.run_commands)
        return split_commands(self.code)

    @property
    def has_template(self):
        return any(isinstance(command, dict) and command.get("enter") is False for command in self.commands)


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


def _make_markdown(with_steps=False, html=False, plugins=()):
    md = MarkdownIt("commonmark", {"html": html, "highlight": highlight_code}).enable("table")
    md.use(anchors_plugin, min_level=1, max_level=4)
    md.add_render_rule("fence", _render_fence)
    if with_steps:
        md.use(container_plugin, name="step", validate=_is_step, render=_render_step)
    for plugin in plugins:
        md.use(plugin)
    return md


def _is_step(params, *args):
    words = params.split()
    return bool(words) and words[0] == "step"


def _step_id(token):
    words = token.info.split()
    if len(words) != 2:
        raise StepError(f"'::: {token.info.strip()}' must be '::: step ID'")
    return words[1]


def _render_step(renderer, tokens, idx, options, env):
    """Steps are markers here; trusted markup replaces them after sanitizing."""
    token = tokens[idx]
    if token.nesting == 1:
        if env["step_open"] is not None:
            raise StepError(f"'::: step {_step_id(token)}' is inside step {env['step_open']!r}; steps cannot nest")
        env["step_open"] = _step_id(token)
        env["steps_used"].append(env["step_open"])
        return f"\n{_step_marker(env['nonce'], 'open', len(env['steps_used']) - 1)}\n"
    env["step_open"] = None
    return f"\n{_step_marker(env['nonce'], 'close', len(env['steps_used']) - 1)}\n"


def _step_marker(nonce, kind, index):
    return f"dockyard-step-{kind}-{nonce}-{index}"


def _render_fence(renderer, tokens, idx, options, env):
    token = tokens[idx]
    block = env["fence"](token.info, token.content) if env.get("fence") else None
    if block is None:
        language, runnable = parse_info(token.info)
        block = CodeBlock(code=token.content, language=language, runnable=runnable)
    blocks = env["code_blocks"]
    blocks.append(block)
    return f"\n{_marker(env['nonce'], len(blocks) - 1)}\n"


def _pass_raw_html(tokens, raw_html):
    """Give the text of every raw HTML token to raw_html(text) -> text; nh3 still cleans the result."""
    for token in tokens:
        if token.type == "html_block":
            token.content = raw_html(token.content)
        for child in token.children or ():
            if child.type == "html_inline":
                child.content = raw_html(child.content)


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


def _diagram_html(block):
    # Mermaid reads the escaped source from the <pre> and draws over it; until
    # then (or without script) the source itself shows. The copy under
    # <details> stays available after drawing.
    source = html.escape(block.code)
    label = html.escape(gettext("Diagram source"))
    code_html = nh3.clean(highlight_code(block.code, ""), tags=CODE_TAGS, attributes=CODE_ATTRIBUTES)
    copy = _button("copy-btn", "copy", gettext("Copy"))
    return (
        f'<figure class="diagram"><pre class="mermaid">{source}</pre>'
        f'<details class="diagram-source"><summary>{label}</summary>'
        f'<div class="code-block"><div class="code-actions">{copy}</div>{code_html}</div></details></figure>'
    )


def _code_block_html(block):
    if block.diagram:
        return _diagram_html(block)
    # Runnable blocks are highlighted as plain shell: their lines are commands, not a session.
    plain_commands = block.runnable and block.run_commands is None
    lexer_name = "bash" if plain_commands else block.language
    code_html = nh3.clean(highlight_code(block.code, lexer_name), tags=CODE_TAGS, attributes=CODE_ATTRIBUTES)
    copy = _button("copy-btn", "copy", gettext("Copy"))
    if block.save_commands:
        copy = _save_button(block) + copy
    if block.save_path:
        # Under the code, where a long path does not squeeze it.
        where = gettext("Saves to %(path)s") % {"path": block.save_path}
        return (
            f'<div class="code-block has-save"><div class="code-actions">{copy}</div>{code_html}'
            f'<div class="save-path">{html.escape(where)}</div></div>'
        )
    if not block.runnable:
        return f'<div class="code-block"><div class="code-actions">{copy}</div>{code_html}</div>'
    run = _button("run-btn", "run", gettext("Run"))
    commands = html.escape(json.dumps(block.commands, ensure_ascii=False), quote=True)
    css_class = "code-block runnable"
    if block.has_template:
        css_class += " has-template"
        hint = html.escape(
            gettext("A template: Run puts it at the prompt, without Enter, for you to fill in."), quote=True
        )
        run = f'<span class="template-badge" title="{hint}">{html.escape(gettext("Template"))}</span>' + run
    return (
        f'<div class="{css_class}" data-commands="{commands}">'
        f'<div class="code-actions">{run}{copy}</div>{code_html}</div>'
    )


def _save_button(block):
    # The wrapper is what the terminal's Run handler looks for (closest ".runnable"),
    # so saving needs no script of its own; Copy still copies the code itself.
    commands = html.escape(json.dumps(list(block.save_commands), ensure_ascii=False), quote=True)
    label = gettext("Save as %(name)s") % {"name": block.save_name}
    return (
        f'<span class="runnable save-as" data-commands="{commands}">{_button("run-btn save-btn", "run", label)}</span>'
    )


def _button(css_class, action, label):
    return f'<button type="button" class="{css_class}" data-action="{action}">{html.escape(label)}</button>'


def _table_of_contents(tokens, steps):
    toc = []
    for idx, token in enumerate(tokens):
        if token.type == "container_step_open":
            step = steps.get(_step_id(token))
            if step is not None:
                toc.append({"level": 2, "id": f"step-{step.id}", "text": step.title, "step": step.id})
            continue
        if token.type != "heading_open" or int(token.tag[1]) not in TOC_LEVELS:
            continue
        children = tokens[idx + 1].children or []
        text = "".join(c.content for c in children if c.type in ("text", "code_inline"))
        toc.append({"level": int(token.tag[1]), "id": token.attrGet("id"), "text": text})
    return toc


def render_markdown(text, language="en", *, steps=None, rewrite_url=None, fence=None, raw_html=None, plugins=()):
    """Render lesson Markdown; button labels are translated into `language`.

    With `steps` (a list of lessons.steps.Step, possibly empty), `::: step ID`
    blocks become step sections; without, `:::` lines are plain text.

    Optional hooks (used by the book importer): rewrite_url(kind, url), see
    _rewrite_urls; fence(info, code) returns a CodeBlock for a fenced block,
    or None for the lessons' own rules; raw_html(text) -> text turns raw
    HTML on (without it, HTML is shown as text) and sees each piece of it
    before the sanitizer does; plugins are markdown-it plugins to use.
    """
    md = _make_markdown(with_steps=steps is not None, html=raw_html is not None, plugins=plugins)
    steps_by_id = {step.id: step for step in steps or []}
    env = {
        "code_blocks": [],
        "nonce": secrets.token_hex(8),
        "fence": fence,
        "steps_used": [],
        "step_open": None,
    }
    tokens = md.parse(text, env)
    if rewrite_url is not None:
        _rewrite_urls(tokens, rewrite_url)
    if raw_html is not None:
        _pass_raw_html(tokens, raw_html)
    body = sanitize(md.renderer.render(tokens, md.options, env))
    with translation.override(language):
        for index, block in enumerate(env["code_blocks"]):
            body = body.replace(_marker(env["nonce"], index), _code_block_html(block), 1)
        for index, step_id in enumerate(env["steps_used"]):
            step = steps_by_id.get(step_id)
            opening, closing = _step_html(step) if step else ("", "")
            body = body.replace(_step_marker(env["nonce"], "open", index), opening, 1)
            body = body.replace(_step_marker(env["nonce"], "close", index), closing, 1)
    return RenderedMarkdown(html=body, toc=_table_of_contents(tokens, steps_by_id), step_ids=tuple(env["steps_used"]))


def sanitize(markup):
    """The one policy every lesson and book page goes through."""
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        tag_attribute_values=TAG_ATTRIBUTE_VALUES,
        url_schemes=URL_SCHEMES,
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    )


STEP_STATES = tuple(StepState)


def _step_html(step):
    """(opening, closing) markup of a step section; every piece of content escaped.

    The badge holds one label per state; CSS shows the one matching the
    section's data-state, which the page and the server switch.
    """
    labels = {
        StepState.NOT_STARTED: gettext("Not started"),
        StepState.IN_PROGRESS: gettext("In progress"),
        StepState.PASSED: gettext("Passed"),
    }
    badge = "".join(f'<span class="badge-{state}">{html.escape(labels[state])}</span>' for state in STEP_STATES)
    title = html.escape(step.title)
    opening = (
        f'{_section_tag(step.id, StepState.NOT_STARTED)}<header class="step-header"><h2 class="step-title">{title}</h2>'
        f'<span class="step-badge">{badge}</span></header><div class="step-body">'
    )
    return opening, f"</div>{_check_html(step.check)}</section>" if step.check else "</div></section>"


def _check_html(check):
    parts = [
        '<div class="step-check">',
        _button("check-btn", "check", gettext("Check")),
        '<p class="check-message" role="status" aria-live="polite" hidden></p>',
    ]
    if check.hint:
        label = html.escape(gettext("Hint"))
        parts.append(f'<details class="step-hint"><summary>{label}</summary><p>{html.escape(check.hint)}</p></details>')
    if check.solution:
        label = html.escape(gettext("Solution"))
        block = _code_block_html(CodeBlock(code=check.solution, language="console", runnable=True))
        parts.append(f'<details class="step-solution"><summary>{label}</summary>{block}</details>')
    parts.append("</div>")
    return "".join(parts)


def apply_step_states(body_html, states):
    """The rendered body with each step's section set to its state for one student.

    `states` maps step id to a STEP_STATES value. Lesson text cannot forge
    the attributes replaced here: the sanitizer removes sections and data-*.
    """
    for step_id, state in states.items():
        if state in STEP_STATES and state != StepState.NOT_STARTED:
            opening = _section_tag(step_id, StepState.NOT_STARTED)
            body_html = body_html.replace(opening, _section_tag(step_id, state), 1)
    return body_html


def _section_tag(step_id, state):
    step_id = html.escape(step_id, quote=True)
    return f'<section class="step" id="step-{step_id}" data-step="{step_id}" data-state="{state}">'
