"""Every refusal of the classroom: a student never reaches a dashboard, another
student's terminal, help requests or controls; instructor A never reaches class B;
anyone not logged in is sent to log in. Views and websockets alike."""

import pytest
from django.test import Client

from classroom.models import HelpRequest
from classroom.tests.helpers import connect
from tutorial.permissions import is_instructor

pytestmark = pytest.mark.django_db
async_db = pytest.mark.django_db(transaction=True)


def client_for(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def class_pages(classroom, student):
    base = f"/classroom/{classroom.pk}"
    return {
        "get": [f"{base}/dashboard/", f"{base}/edit/", f"{base}/students/import/", f"{base}/progress.csv"],
        "post": [
            f"{base}/new-code/",
            f"{base}/students/{student.pk}/stop/",
            f"{base}/students/{student.pk}/restart/",
            f"{base}/students/{student.pk}/reset/",
            f"{base}/stop-all/",
            f"{base}/broadcast/",
        ],
    }


def test_staff_is_not_an_instructor_the_role_is(django_user_model, instructor, teacher):
    staff = django_user_model.objects.create_user("staffer", is_staff=True)
    assert not is_instructor(staff)
    assert is_instructor(instructor) and is_instructor(teacher)


def test_a_student_gets_403_on_every_instructor_page(classroom, alice, fake_backend):
    pages = class_pages(classroom, alice)
    for url in pages["get"] + ["/classroom/new/"]:
        assert client_for(alice).get(url).status_code == 403, url
    for url in pages["post"]:
        assert client_for(alice).post(url, {"text": "hi"}).status_code == 403, url
    request = HelpRequest.objects.create(classroom=classroom, student=alice)
    for action in ("seen", "resolve"):
        assert client_for(alice).post(f"/classroom/{classroom.pk}/help/{request.pk}/{action}/").status_code == 403


def test_another_instructor_finds_no_such_class(classroom, other_instructor, alice, fake_backend):
    pages = class_pages(classroom, alice)
    for url in pages["get"]:
        assert client_for(other_instructor).get(url).status_code == 404, url
    for url in pages["post"]:
        assert client_for(other_instructor).post(url, {"text": "hi"}).status_code == 404, url
    request = HelpRequest.objects.create(classroom=classroom, student=alice)
    assert client_for(other_instructor).post(f"/classroom/{classroom.pk}/help/{request.pk}/resolve/").status_code == 404
    assert fake_backend.status == {}


def test_a_visitor_is_sent_to_log_in(classroom, alice):
    for url in class_pages(classroom, alice)["get"] + ["/classroom/", f"/classroom/{classroom.pk}/"]:
        response = client_for().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_an_instructor_acts_only_on_students_of_the_class(classroom, other_class, instructor, bob, fake_backend):
    response = client_for(instructor).post(f"/classroom/{classroom.pk}/students/{bob.pk}/stop/")
    assert response.status_code == 404  # bob is in another class
    request = HelpRequest.objects.create(classroom=other_class, student=bob)
    assert client_for(instructor).post(f"/classroom/{classroom.pk}/help/{request.pk}/resolve/").status_code == 404
    assert HelpRequest.objects.get(pk=request.pk).resolved_at is None


def test_a_superuser_runs_every_class(classroom, teacher, alice, fake_backend):
    for url in class_pages(classroom, alice)["get"]:
        assert client_for(teacher).get(url).status_code == 200, url


def test_the_class_page_is_for_its_members_and_instructors(classroom, alice, bob, instructor, other_instructor):
    url = f"/classroom/{classroom.pk}/"
    assert client_for(alice).get(url).status_code == 200
    assert client_for(instructor).get(url).status_code == 200
    assert client_for(bob).get(url).status_code == 404
    assert client_for(other_instructor).get(url).status_code == 404


def test_watching_follows_the_classes(classroom, other_class, alice, bob, instructor, other_instructor, teacher):
    assert client_for(instructor).get(f"/sandbox/watch/{alice.username}/").status_code == 200
    assert client_for(instructor).get(f"/sandbox/watch/{bob.username}/").status_code == 403
    assert client_for(other_instructor).get(f"/sandbox/watch/{alice.username}/").status_code == 403
    assert client_for(bob).get(f"/sandbox/watch/{alice.username}/").status_code == 403
    assert client_for(alice).get(f"/sandbox/watch/{alice.username}/").status_code == 403
    assert client_for(teacher).get(f"/sandbox/watch/{bob.username}/").status_code == 200


def test_take_over_is_offered_only_where_the_class_allows(classroom, alice, instructor):
    page = client_for(instructor).get(f"/sandbox/watch/{alice.username}/").content.decode()
    assert 'data-action="take-over"' in page
    classroom.allow_take_over = False
    classroom.save()
    page = client_for(instructor).get(f"/sandbox/watch/{alice.username}/").content.decode()
    assert 'data-action="take-over"' not in page


def test_help_requests_are_the_students_own(classroom, other_class, alice, bob):
    request = HelpRequest.objects.create(classroom=classroom, student=alice)
    assert client_for(bob).post(f"/classroom/help/{request.pk}/cancel/").status_code == 404
    assert client_for(alice).post(f"/classroom/help/{request.pk}/cancel/").status_code == 200


def test_only_class_members_ask_for_help(django_user_model, classroom):
    loner = django_user_model.objects.create_user("loner")
    assert client_for(loner).post("/classroom/help/", {"text": "hi"}).status_code == 403
    assert client_for().post("/classroom/help/", {"text": "hi"}).status_code == 403


def test_help_text_is_bounded(classroom, alice):
    assert client_for(alice).post("/classroom/help/", {"text": "x" * 201}).status_code == 400


@async_db
async def test_the_dashboard_socket_refuses_all_but_the_class_instructors(
    classroom, alice, other_instructor, instructor, teacher
):
    path = f"/ws/classroom/{classroom.pk}/dashboard/"
    for user in (None, alice, other_instructor):
        communicator, connected = await connect(user, path)
        assert not connected, user
    for user in (instructor, teacher):
        communicator, connected = await connect(user, path)
        assert connected, user
        await communicator.disconnect()


@async_db
async def test_the_students_socket_is_for_class_members(classroom, alice, bob):
    for user, allowed in ((None, False), (bob, False), (alice, True)):
        communicator, connected = await connect(user, "/ws/classroom/")
        assert connected is allowed, user
        if connected:
            await communicator.disconnect()


@async_db
async def test_a_terminal_of_another_classes_student_is_refused(
    classroom, other_class, instructor, bob, alice, fake_backend
):
    for viewer, owner in ((instructor, bob), (bob, alice), (alice, bob)):
        communicator, connected = await connect(viewer, f"/ws/terminal/{owner.username}/")
        assert not connected, (viewer, owner)


@async_db
async def test_the_dashboard_socket_refuses_a_foreign_origin(classroom, instructor):
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from tutorial.testing import HOST, asgi_application, session_cookie

    cookie = await database_sync_to_async(session_cookie)(instructor)
    communicator = WebsocketCommunicator(
        asgi_application(),
        f"/ws/classroom/{classroom.pk}/dashboard/",
        headers=[HOST, (b"origin", b"http://evil.example"), cookie],
    )
    connected, _ = await communicator.connect(timeout=5)
    assert not connected
