"""markdown-it plugins for books: GitHub callouts, task lists, one title per page."""

import html
import re

from markdown_it.token import Token
from mdit_py_plugins.tasklists import tasklists_plugin

CHECKBOX_START = '<input class="task-list-item-checkbox"'
CALLOUT_KINDS = ("note", "tip", "important", "warning", "caution")
# GitHub wants the marker alone on the quote's first line; text after it is taken too.
CALLOUT_RE = re.compile(rf"^\[!({'|'.join(CALLOUT_KINDS)})\](?:[ \t]*\n|[ \t]*$|[ \t]+)", re.IGNORECASE)


def callouts_plugin(labels):
    """`> [!WARNING]` quotes become styled notes titled labels["warning"] (already translated)."""

    def rule(state):
        tokens, result = state.tokens, []
        for index, token in enumerate(tokens):
            result.append(token)
            if token.type != "blockquote_open" or index + 2 >= len(tokens):
                continue
            opening, inline = tokens[index + 1], tokens[index + 2]
            found = CALLOUT_RE.match(inline.content) if opening.type == "paragraph_open" else None
            if not found:
                continue
            kind = found.group(1).lower()
            token.attrSet("class", f"callout callout-{kind}")
            title = Token("callout_title", "p", 0, block=True, level=token.level + 1)
            title.meta["label"] = labels[kind]
            result.append(title)
            inline.content = inline.content[found.end() :]
            if not inline.content.strip():  # the marker had its own paragraph: drop it
                opening.hidden = inline.hidden = tokens[index + 3].hidden = True
                inline.content = ""
        state.tokens = result

    def render_title(renderer, tokens, index, options, env):
        return f'<p class="callout-title">{html.escape(tokens[index].meta["label"])}</p>\n'

    def plugin(md):
        md.core.ruler.before("inline", "book_callouts", rule)
        md.add_render_rule("callout_title", render_title)

    return plugin


def task_lists(md):
    """`- [ ]` and `- [x]` items as read-only checkboxes.

    The checkboxes the plugin makes are raw HTML tokens; they get a type of
    their own so that they are not taken for the book's raw HTML (from
    which inputs are removed). The sanitizer still sees them.
    """
    tasklists_plugin(md, enabled=False)

    def rule(state):
        for token in state.tokens:
            for child in token.children or ():
                if child.type == "html_inline" and child.content.startswith(CHECKBOX_START):
                    child.type = "task_checkbox"

    md.core.ruler.after("github-tasklists", "book_task_checkboxes", rule)
    md.add_render_rule("task_checkbox", lambda renderer, tokens, index, options, env: tokens[index].content)


def one_title(md):
    """A page has one <h1>: its own first heading when it opens with one.

    Books start pages with `##` as often as with `#`. When the page opens
    with a heading (before any text), that heading is the page's title (h1)
    and every heading is lifted by the same number of levels; all other
    headings are at least h2. Ids stay what the text gave them.
    """

    def rule(state):
        tokens = state.tokens
        first = next(
            (i for i, t in enumerate(tokens) if t.level == 0 and t.nesting >= 0 and t.type != "html_block"), None
        )
        title = first if first is not None and tokens[first].type == "heading_open" else None
        lift = int(tokens[title].tag[1]) - 1 if title is not None else 0
        level = None
        for index, token in enumerate(tokens):
            if token.type == "heading_open":
                level = 1 if index == title else min(6, max(2, int(token.tag[1]) - lift))
                token.tag = f"h{level}"
            elif token.type == "heading_close":
                token.tag = f"h{level}"

    md.core.ruler.push("book_one_title", rule)
