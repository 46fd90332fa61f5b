"""The Chinese interface: every string of locale/ is compiled, and pages use it."""
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
CHINESE = {"accept-language": "zh-CN,zh;q=0.9"}


def _po_entries():
    """{msgid: msgstr} of the .po file (single- and multi-line strings)."""
    entries = {}
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        strings = {}
        key = None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgstr) "(.*)"$', line)
            if match:
                key = match.group(1)
                strings[key] = match.group(2)
            elif line.startswith('"') and key:
                strings[key] += line[1:-1]
        if strings.get("msgid"):
            entries[strings["msgid"].encode().decode("unicode_escape").encode("latin-1").decode()] = strings["msgstr"]
    return entries


def test_every_string_is_translated_and_compiled():
    entries = _po_entries()
    assert len(entries) > 40
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert untranslated == []
    with open(PO.with_suffix(".mo"), "rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    stale = [msgid for msgid in entries if catalog.gettext(msgid) == msgid]
    assert stale == [], "run `manage.py compilemessages` (Debian package gettext)"


def test_the_login_page_is_in_chinese_for_a_chinese_browser(client):
    html = client.get("/accounts/login/", headers=CHINESE).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<h1>登录</h1>" in html
    assert "还没有账号？" in html
    assert "用户名" in html  # Django's own form labels


def test_the_terminal_status_texts_are_in_chinese(client, alice):
    client.force_login(alice)
    html = client.get("/sandbox/", headers=CHINESE).content.decode()
    assert 'data-text-engine-ready="就绪"' in html
    assert 'data-text-reconnecting="连接已断开 · %s 秒后重连…"' in html
    assert "你的 Docker 沙箱" in html


def test_the_language_switcher_keeps_the_choice(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/lessons/"})
    assert response.status_code == 302 and response["Location"] == "/lessons/"
    html = client.get("/lessons/").content.decode()
    assert "<h1>课程</h1>" in html
    assert '<option value="zh-hans" selected>' in html
