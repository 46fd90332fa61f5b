import pytest
from django.urls import reverse

from lessons.services import sync_lessons
from lessons.tests.helpers import write_course, write_lesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(tmp_path):
    write_course(tmp_path)
    sync_lessons(tmp_path)
    return tmp_path


def _titles(response):
    return [lesson.title for lesson in response.context["lessons"]]


def test_it_lists_lessons_in_order(client, course):
    response = client.get(reverse("lessons:index"))
    assert response.status_code == 200
    assert _titles(response) == ["First", "Second", "Third"]
    html = response.content.decode()
    assert html.index("First") < html.index("Second") < html.index("Third")
    assert reverse("lessons:detail", args=["second"]) in html


def test_the_site_root_leads_to_the_index(client, course):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("lessons:index")


def test_it_shows_title_toc_body_and_neighbours(client, course):
    response = client.get(reverse("lessons:detail", args=["first"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>First</h1>" in html
    assert '<a href="#part-one">Part one</a>' in html
    assert '<h2 id="part-two">Part two</h2>' in html
    assert response.context["previous"] is None
    assert response.context["next"].slug == "second"
    assert 'rel="next" href="/lessons/second/"' in html


def test_it_links_back_to_the_previous_lesson(client, course):
    response = client.get(reverse("lessons:detail", args=["third"]))
    assert response.context["previous"].slug == "second"
    assert response.context["next"] is None
    assert 'rel="prev" href="/lessons/second/"' in response.content.decode()


def test_it_includes_the_terminal_pane_and_copy_script(client, course):
    html = client.get(reverse("lessons:detail", args=["first"])).content.decode()
    assert 'class="terminal-column"' in html
    assert "js/lesson.js" in html


def test_it_is_readable_without_logging_in(client, course):
    assert client.get(reverse("lessons:detail", args=["second"])).status_code == 200


def test_it_returns_404_for_an_unknown_slug(client, course):
    assert client.get(reverse("lessons:detail", args=["no-such-lesson"])).status_code == 404


def test_it_shows_chinese_lessons_for_an_accept_language_header(client, course):
    response = client.get(reverse("lessons:index"), headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert _titles(response) == ["第一课", "第二课"]
    response = client.get(reverse("lessons:detail", args=["first"]), headers={"accept-language": "zh-Hans"})
    assert "<h1>第一课</h1>" in response.content.decode()


def test_it_shows_chinese_lessons_for_the_language_cookie(client, settings, course):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(reverse("lessons:detail", args=["second"]))
    assert response.context["lesson"].title == "第二课"
    assert response.context["lesson"].language == "zh-hans"


def test_it_falls_back_to_english_for_an_untranslated_lesson(client, settings, course):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get(reverse("lessons:detail", args=["third"]))
    assert response.status_code == 200
    assert response.context["lesson"].language == "en"


def test_it_falls_back_to_english_when_a_language_has_no_lessons(client, settings, tmp_path):
    write_lesson(tmp_path, "en", "01-only.md", slug="only", title="Only English")
    sync_lessons(tmp_path)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert _titles(client.get(reverse("lessons:index"))) == ["Only English"]


def test_it_never_lets_lesson_markdown_inject_script(client, tmp_path):
    write_lesson(
        tmp_path,
        "en",
        "01-evil.md",
        slug="evil",
        title="<script>alert(1)</script>",
        body='<script>alert(2)</script>\n\n<img src=x onerror="alert(3)">\n\n[x](javascript:alert(4))',
    )
    sync_lessons(tmp_path)
    html = client.get(reverse("lessons:detail", args=["evil"])).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x onerror" not in html
    assert 'href="javascript:' not in html
