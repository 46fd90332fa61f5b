"""Recording is a class setting: off, on (a badge on the student's pages) or on
with a notice; the recordings app asks the classroom who is recorded, and an
instructor sees the recordings of the students of their classes only."""

import pytest
from django.test import Client

from classroom.models import Classroom
from classroom.tests.conftest import make_class
from recordings import policy, store

pytestmark = pytest.mark.django_db
NAME = "20261201T120000-000001"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def page_of(user, url="/classroom/"):
    return client_for(user).get(url).content.decode()


def test_the_class_form_sets_it(instructor, course):
    client_for(instructor).post(
        "/classroom/new/", {"name": "Recorded", "recording": "notice", "position-lesson:steps": "1"}
    )
    assert Classroom.objects.get(name="Recorded").recording == "notice"


def test_a_student_is_recorded_as_the_most_telling_of_their_classes(instructor, alice, bob, classroom):
    make_class(instructor, [alice], name="Second", recording="on")
    assert policy.modes([alice.pk, bob.pk]) == {alice.pk: "on", bob.pk: "off"}
    make_class(instructor, [alice], name="Third", recording="notice")
    assert policy.mode_of(alice.pk) == "notice"


def test_the_students_pages_say_so(instructor, alice, classroom):
    assert "rec-badge" not in page_of(alice)
    classroom.recording = "on"
    classroom.save()
    body = page_of(alice)
    assert 'class="rec-badge" href="/recordings/"' in body and "notice-recording" not in body
    classroom.recording = "notice"
    classroom.save()
    body = page_of(alice)
    assert "rec-badge" in body and "notice-recording" in body and "your instructors can replay" in body


def recorded_file(user):
    path = store.path_of(user.pk, NAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'{"version": 2, "width": 80, "height": 24}\n[0.5, "o", "hi"]\n')


def recording_urls(user):
    base = f"/recordings/{user.username}"
    return [f"{base}/", f"{base}/{NAME}/", f"{base}/{NAME}.cast"]


def test_an_instructor_sees_the_recordings_of_their_classes_students_only(
    settings, tmp_path, alice, bob, classroom, other_class, instructor, other_instructor
):
    settings.RECORDING_DIR = tmp_path
    recorded_file(alice)
    for url in recording_urls(alice):
        assert client_for(instructor).get(url).status_code == 200, url
        assert client_for(other_instructor).get(url).status_code == 404, url
        assert client_for(bob).get(url).status_code == 404, url


def test_the_dashboard_links_to_a_students_recordings(instructor, classroom):
    body = page_of(instructor, f"/classroom/{classroom.pk}/dashboard/")
    assert '"recordings": "/recordings/USERNAME/"' in body


def test_the_join_page_and_the_class_page_say_the_class_records(alice, bob, classroom):
    assert "records" not in page_of(alice, f"/classroom/{classroom.pk}/")
    classroom.recording = "on"
    classroom.save()
    assert "This class records its students' terminals" in page_of(bob, classroom.join_path())
    assert 'This class records your terminal. <a href="/recordings/">' in page_of(alice, f"/classroom/{classroom.pk}/")
