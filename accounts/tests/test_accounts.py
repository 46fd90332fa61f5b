import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_signs_up_and_logs_in(client, django_user_model):
    response = client.post(
        reverse("signup"),
        {
            "username": "carol",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
            "next": "/lessons/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/lessons/"
    assert django_user_model.objects.filter(username="carol", is_staff=False).exists()
    assert client.get(reverse("lessons:index")).context["user"].username == "carol"


def test_signup_shows_errors_for_bad_input(client, django_user_model):
    response = client.post(reverse("signup"), {"username": "carol", "password1": "abc", "password2": "abd"})
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode()
    assert not django_user_model.objects.exists()


def test_signup_ignores_an_offsite_next(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "dave",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("home")


def test_it_logs_in_and_out(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 302
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not client.get(reverse("lessons:index")).context["user"].is_authenticated


def test_the_sandbox_pages_need_a_login(client, alice, teacher):
    assert client.get(reverse("sandbox:playground")).status_code == 302
    client.force_login(alice)
    assert client.get(reverse("sandbox:playground")).status_code == 200
    # Watching is for instructors only: a student gets the 403 page, not a login form.
    response = client.get(reverse("sandbox:watch", args=["alice"]))
    assert response.status_code == 403 and "This page is not for you" in response.content.decode()
    client.force_login(teacher)
    page = client.get(reverse("sandbox:watch", args=["alice"])).content.decode()
    assert 'data-ws-path="/ws/terminal/alice/"' in page and 'data-read-only="true"' in page


def test_ensure_instructor_creates_one_account_once(django_user_model):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("ensure_instructor", stdout=out)
    assert "Created instructor account: instructor / " in out.getvalue()
    call_command("ensure_instructor", stdout=out)
    assert django_user_model.objects.filter(is_staff=True).count() == 1


def test_wrong_passwords_lock_that_login_for_a_while(client, alice, bob):
    """40 wrong passwords in 10 s, then the right one, used to log in (no throttling)."""
    from django.conf import settings

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": "alice", "password": "guess"})
        assert response.status_code == 200  # the form again, with its error
    assert client.post(reverse("login"), {"username": "alice", "password": "guess"}).status_code == 429
    response = client.post(reverse("login"), {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not client.get(reverse("lessons:index")).context["user"].is_authenticated
    # Another student behind the same classroom address still logs in.
    response = client.post(reverse("login"), {"username": "bob", "password": "pw-bob-123"})
    assert response.status_code == 302


def test_a_locked_login_opens_again_after_the_cool_off(client, alice, settings):
    import datetime

    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": "guess"})
    assert client.post(reverse("login"), {"username": "alice", "password": "pw-alice-123"}).status_code == 429
    AccessAttempt.objects.update(attempt_time=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    assert client.post(reverse("login"), {"username": "alice", "password": "pw-alice-123"}).status_code == 302


def test_the_lockout_page_is_translated(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(
            reverse("login"), {"username": "alice", "password": "guess"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    assert response.status_code == 429
    assert "尝试次数过多" in response.content.decode()
