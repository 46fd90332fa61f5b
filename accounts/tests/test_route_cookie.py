import pytest
from django.urls import reverse

from accounts.middleware import ROUTE_COOKIE, route_key

pytestmark = pytest.mark.django_db


def test_it_names_the_student_as_a_watch_url_does():
    assert route_key("alice") == "alice"
    assert route_key("a.b-c_d@e+f") == "a.b-c_d@e+f"  # a browser leaves these as they are in a path
    assert route_key("学生") == "%E5%AD%A6%E7%94%9F"


def test_it_sets_the_cookie_for_a_logged_in_student(client, alice):
    client.force_login(alice)
    response = client.get(reverse("lessons:index"))
    assert response.cookies[ROUTE_COOKIE].value == "alice"
    assert response.cookies[ROUTE_COOKIE]["httponly"]


def test_it_sets_it_once(client, alice):
    client.force_login(alice)
    client.get(reverse("lessons:index"))
    assert ROUTE_COOKIE not in client.get(reverse("lessons:index")).cookies


def test_it_sets_none_for_a_visitor(client):
    assert ROUTE_COOKIE not in client.get(reverse("lessons:index")).cookies
