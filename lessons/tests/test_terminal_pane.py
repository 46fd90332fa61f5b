"""The lesson page's terminal pane: a terminal for students, a login prompt for visitors."""

import pytest
from django.urls import reverse

from lessons.services import sync_lessons
from lessons.tests.helpers import write_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson_url(tmp_path):
    write_course(tmp_path)
    sync_lessons(tmp_path)
    return reverse("lessons:detail", args=["first"])


def test_visitors_are_asked_to_log_in_for_a_terminal(client, lesson_url):
    html = client.get(lesson_url).content.decode()
    assert "Log in to get your own Docker sandbox" in html
    assert "data-ws-path" not in html
    assert "xterm.js" not in html


def test_students_get_a_terminal_on_their_own_sandbox(client, alice, lesson_url):
    client.force_login(alice)
    html = client.get(lesson_url).content.decode()
    assert 'data-ws-path="/ws/terminal/"' in html
    assert 'data-read-only="false"' in html
    assert "vendor/xterm-6.0.0/xterm.js" in html and "js/terminal.js" in html


def test_the_vendored_terminal_is_served_with_its_license(client):
    for path in ("vendor/xterm-6.0.0/xterm.js", "vendor/xterm-6.0.0/LICENSE", "js/terminal.js"):
        response = client.get("/static/" + path)
        assert response.status_code == 200, path
