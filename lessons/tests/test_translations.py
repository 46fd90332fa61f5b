"""The Chinese interface on the login, sandbox and lesson pages.

That locale/ is complete and compiled: tutorial/tests/test_translations.py."""

import pytest

pytestmark = pytest.mark.django_db
CHINESE = {"accept-language": "zh-CN,zh;q=0.9"}


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
