"""GitHub callouts (`> [!WARNING]`) are styled notes with a translated label;
task lists (`- [ ]`) are read-only checkboxes."""

from markdown_it import MarkdownIt

from books.markup import callouts_plugin, task_lists
from books.services import callout_labels, import_book
from books.tests.helpers import FIXTURE_BOOK, elements, page_html
from lessons.rendering import sanitize

KINDS = ["note", "tip", "important", "warning", "caution"]


def _callouts(html):
    return [attrs.get("class") for tag, attrs in elements(html) if tag == "blockquote"]


def test_each_kind_is_a_styled_note_with_its_label(book):
    html = page_html(book, "layers")
    assert _callouts(html) == [f"callout callout-{kind}" for kind in KINDS] + [None]
    for label, text in [
        ("Note", "Layers are shared between images."),
        ("Warning", "Removing an image that a container uses fails."),
    ]:
        assert f'<p class="callout-title">{label}</p>\n<p>{text}</p>' in html
    assert "[!" not in html


def test_labels_are_translated(db, data_dir):
    html = page_html(import_book(FIXTURE_BOOK, slug="zh", language="zh-hans").book, "layers")
    titles = [html.split(f"callout-{kind}")[1].split("</p>")[0].split(">")[-1] for kind in KINDS]
    assert titles == ["注意", "提示", "重要", "警告", "小心"]


def _render(text):
    md = MarkdownIt("commonmark").use(callouts_plugin(callout_labels("en"))).use(task_lists)
    return sanitize(md.render(text))


def test_the_marker_may_share_its_line_or_be_lowercase():
    assert _render("> [!tip] Short form\n> on two lines\n") == (
        '<blockquote class="callout callout-tip">\n<p class="callout-title">Tip</p>\n'
        "<p>Short form\non two lines</p>\n</blockquote>\n"
    )


def test_unknown_markers_and_markers_later_in_a_quote_stay_text():
    assert _callouts(_render("> [!DANGER]\n> no such kind\n")) == [None]
    assert "[!NOTE]" in _render("> first line\n> [!NOTE]\n")


def test_task_lists_are_disabled_checkboxes(book):
    tags = elements(page_html(book, "layers"))
    boxes = [attrs for tag, attrs in tags if tag == "input"]
    assert boxes == [
        {"class": "task-list-item-checkbox", "checked": "checked", "disabled": "disabled", "type": "checkbox"},
        {"class": "task-list-item-checkbox", "disabled": "disabled", "type": "checkbox"},
    ]
    assert ("ul", {"class": "contains-task-list"}) in tags


def test_the_sanitizer_keeps_only_its_own_classes_and_checkboxes():
    assert sanitize('<blockquote class="callout evil"><p class="x callout-title">t</p></blockquote>') == (
        '<blockquote class="callout"><p class="callout-title">t</p></blockquote>'
    )
    assert sanitize('<input type="text" disabled="no" value="x">') == "<input>"
