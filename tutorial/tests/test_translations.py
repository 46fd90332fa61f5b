"""The Chinese interface is complete: every marked string is in locale/, translated,
not fuzzy, compiled; and the pages a student or instructor sees use it."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation.template import templatize

from books.services import import_book
from books.tests.helpers import FIXTURE_BOOK

BASE = Path(settings.BASE_DIR)
PO = BASE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
CHINESE = {"accept-language": "zh-CN,zh;q=0.9"}
MAKEMESSAGES = (
    "manage.py makemessages -l zh_Hans --no-location --ignore=.venv --ignore=node_modules "
    "--ignore=staticfiles --ignore=data"
)
# The --ignore list of MAKEMESSAGES, plus hidden folders as makemessages skips them.
NOT_SCANNED = {".venv", "node_modules", "staticfiles", "data"}
MARKERS = {"gettext", "gettext_lazy", "gettext_noop", "_", "ngettext", "ngettext_lazy"}
STRING = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
TEMPLATE_CALL = re.compile(rf"\b(?:n?gettext)\(({STRING})")


def _po_blocks():
    """[(msgid, msgstr, flags)] of the .po file, without the header and obsolete entries."""
    blocks = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        strings, flags, key = {}, set(), None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            match = re.match(r'^(msgid|msgstr) "(.*)"$', line)
            if match:
                key = match.group(1)
                strings[key] = match.group(2)
            elif line.startswith('"') and key:
                strings[key] += line[1:-1]
        if strings.get("msgid"):
            unescape = lambda s: ast.literal_eval(f'"{s}"')  # noqa: E731 (.po escapes are C's)
            blocks.append((unescape(strings["msgid"]), unescape(strings.get("msgstr", "")), flags))
    return blocks


def _scanned_files(suffixes):
    for path in BASE.rglob("*"):
        parts = path.relative_to(BASE).parts
        if path.suffix in suffixes and not any(p in NOT_SCANNED or p.startswith(".") for p in parts):
            yield path


def _marked_strings():
    """{msgid: file} for what makemessages would extract from Python code and templates."""
    found = {}
    for path in _scanned_files({".py"}):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            first = node.args[0]
            if name in MARKERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, path)
    for path in _scanned_files({".html", ".txt"}):
        for literal in TEMPLATE_CALL.findall(templatize(path.read_text(encoding="utf-8"), origin=str(path))):
            found.setdefault(ast.literal_eval(literal), path)
    return found


def test_every_string_in_the_po_file_is_translated_and_not_fuzzy():
    blocks = _po_blocks()
    assert len(blocks) > 80
    assert [msgid for msgid, msgstr, _ in blocks if not msgstr] == []
    assert [msgid for msgid, _, flags in blocks if "fuzzy" in flags] == []


def test_every_string_the_code_marks_is_in_the_po_file():
    known = {msgid for msgid, _, _ in _po_blocks()}
    missing = {msgid: str(path.relative_to(BASE)) for msgid, path in _marked_strings().items() if msgid not in known}
    assert missing == {}, f"run `{MAKEMESSAGES}`, translate, then `manage.py compilemessages`"


def test_the_compiled_catalog_matches_the_po_file():
    with open(PO.with_suffix(".mo"), "rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    stale = [msgid for msgid, msgstr, _ in _po_blocks() if catalog.gettext(msgid) != msgstr]
    assert stale == [], "run `manage.py compilemessages` (Debian package gettext)"


@pytest.mark.django_db
def test_the_header_links_books_for_everyone_and_the_image_cache_for_instructors(client, alice, teacher):
    html = client.get("/lessons/", headers=CHINESE).content.decode()
    assert '<a href="/books/">书籍</a>' in html
    assert "/sandbox/images/" not in html
    client.force_login(alice)
    assert "/sandbox/images/" not in client.get("/lessons/", headers=CHINESE).content.decode()
    client.force_login(teacher)
    html = client.get("/lessons/", headers=CHINESE).content.decode()
    assert '<a href="/sandbox/images/">镜像缓存</a>' in html


@pytest.mark.django_db
def test_the_books_page_is_in_chinese(client):
    html = client.get("/books/", headers=CHINESE).content.decode()
    assert "<h1>书籍</h1>" in html
    assert "还没有书籍。" in html


@pytest.mark.django_db
def test_a_chinese_book_page_offers_run_and_save_as_dockerfile_in_chinese(client, alice, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    book = import_book(FIXTURE_BOOK, slug="tiny-zh", language="zh-hans").book
    client.force_login(alice)
    html = client.get(book.pages.get(slug="build-dockerfile").get_absolute_url(), headers=CHINESE).content.decode()
    assert ">保存为 Dockerfile</button>" in html
    assert ">运行</button>" in html
    assert 'aria-label="页面导航"' in html
    assert "<span>上一篇</span>" in html


@pytest.mark.django_db
def test_the_files_tab_and_port_list_texts_are_in_chinese(client, alice):
    client.force_login(alice)
    html = client.get("/sandbox/", headers=CHINESE).content.decode()
    assert 'data-text-ports="打开："' in html
    assert 'data-text-saved="已保存"' in html
    assert 'data-text-symlink="符号链接"' in html
    assert ">新建文件</button>" in html
    assert 'data-tab="files" aria-selected="false" aria-controls="editor-pane">文件' in html


@pytest.mark.django_db
@pytest.mark.parametrize("healthy, text", [(True, "<th>镜像</th><th>标签</th>"), (False, "镜像缓存没有响应。")])
def test_the_image_cache_page_is_in_chinese(client, teacher, monkeypatch, healthy, text):
    cache = "sandbox.backends.docker.image_cache"
    monkeypatch.setattr(f"{cache}.is_healthy", lambda: healthy)
    monkeypatch.setattr(f"{cache}.cached_images", lambda: [{"name": "nginx", "tags": ["latest"]}])
    client.force_login(teacher)
    html = client.get("/sandbox/images/", headers=CHINESE).content.decode()
    assert "<h1>教室镜像缓存</h1>" in html
    assert text in html
