"""Joining a class: by its link (which may create the account, also when open
sign-up is off), by its code (wrong codes are limited), never by a GET."""

import pytest
from django.core.cache import cache
from django.test import Client

from classroom import codes
from classroom.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def client_for(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_opening_the_link_asks_and_joining_takes_a_post(classroom, bob):
    client = client_for(bob)
    page = client.get(classroom.join_path())
    assert page.status_code == 200 and "Join Docker 101" in page.content.decode()
    assert "will see your progress and your terminal" in page.content.decode()
    assert not Membership.objects.filter(classroom=classroom, user=bob).exists()  # a GET never joins
    response = client.post(classroom.join_path())
    assert response.status_code == 302 and response["Location"] == f"/classroom/{classroom.pk}/"
    assert Membership.objects.filter(classroom=classroom, user=bob).exists()
    assert client.get(classroom.join_path())["Location"] == f"/classroom/{classroom.pk}/"  # already in


def test_a_visitor_signs_up_from_the_link_even_with_sign_up_closed(classroom, settings, django_user_model):
    settings.OPEN_SIGNUP = False
    client = client_for()
    assert client.get("/accounts/signup/").status_code == 403
    assert "Sign up" not in client.get("/accounts/login/").content.decode()
    page = client.get(classroom.join_path()).content.decode()
    assert "Create account and join" in page and "Log in to join" in page
    response = client.post(
        classroom.join_path(),
        {
            "username": "newbie",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
        },
    )
    assert response.status_code == 302
    newbie = django_user_model.objects.get(username="newbie")
    assert Membership.objects.filter(classroom=classroom, user=newbie).exists()
    assert client.get("/classroom/").context["user"] == newbie


def test_a_code_leads_to_the_class_whatever_its_spelling(classroom, bob):
    typed = codes.display_code(classroom.join_code).lower().replace("-", " - ")
    response = client_for(bob).post("/classroom/join/", {"code": typed})
    assert response.status_code == 302 and response["Location"] == classroom.join_path()


def test_wrong_codes_are_limited_per_account(classroom, bob, settings):
    settings.JOIN_CODE_FAILURES_PER_ACCOUNT = 3
    client = client_for(bob)
    for _ in range(3):
        page = client.post("/classroom/join/", {"code": "WRONG-CODE"})
        assert page.status_code == 200 and "No class has this code" in page.content.decode()
    assert client.post("/classroom/join/", {"code": codes.display_code(classroom.join_code)}).status_code == 429


def test_wrong_codes_are_limited_per_address(classroom, settings):
    settings.JOIN_CODE_FAILURES_PER_ADDRESS = 2
    for _ in range(2):
        client_for().post("/classroom/join/", {"code": "NOPE0000"})
    assert client_for().post("/classroom/join/", {"code": classroom.join_code}).status_code == 429
    # Guessing links counts too.
    assert client_for().get("/classroom/join/guessed-token/").status_code == 429


def test_a_wrong_link_is_a_404_and_counts(classroom, settings):
    settings.JOIN_CODE_FAILURES_PER_ADDRESS = 1
    assert client_for().get("/classroom/join/not-a-token/").status_code == 404
    assert client_for().get(classroom.join_path()).status_code == 429


def test_codes_are_long_and_unambiguous():
    made = {codes.new_join_code() for _ in range(200)}
    assert len(made) == 200
    assert all(len(code) == 8 and not set(code) & set("01OI") for code in made)
    assert len(codes.new_join_token()) >= 24


def test_a_closed_class_takes_no_one(classroom, bob):
    classroom.joining_open = False
    classroom.save()
    assert client_for(bob).post(classroom.join_path()).status_code == 410
    assert not Membership.objects.filter(classroom=classroom, user=bob).exists()
    response = client_for(bob).post("/classroom/join/", {"code": classroom.join_code})
    assert "No class has this code" in response.content.decode()


def test_a_new_code_retires_the_old_link(classroom, instructor, bob):
    old_link = classroom.join_path()
    client_for(instructor).post(f"/classroom/{classroom.pk}/new-code/")
    classroom.refresh_from_db()
    assert classroom.join_path() != old_link
    assert client_for(bob).get(old_link).status_code == 404
