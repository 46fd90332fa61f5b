"""Who sees whose recordings (as for terminals: sandbox.services.access; an
instructor's view of a class is in classroom/tests/test_recordings.py), the
replay page, and one recording as a .cast file."""

import pytest
from django.test import Client

from recordings import store
from recordings.tests import asciicast_reader

pytestmark = pytest.mark.django_db
NAME = "20261201T120000-000001"
CAST = b'{"version": 2, "width": 80, "height": 24}\n[0.5, "o", "hello\\r\\n"]\n[0.6, "m", "$ ls"]\n'


def client_for(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def recorded(user, name=NAME, data=CAST):
    path = store.path_of(user.pk, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def urls(user, name=NAME):
    return [
        f"/recordings/{user.username}/",
        f"/recordings/{user.username}/{name}/",
        f"/recordings/{user.username}/{name}.cast",
    ]


def test_a_student_sees_their_own_recordings(alice):
    recorded(alice)
    client = client_for(alice)
    page = client.get("/recordings/")
    assert page.status_code == 200
    assert f"/recordings/alice/{NAME}/" in page.content.decode()
    for url in urls(alice):
        assert client.get(url).status_code == 200


def test_a_superuser_sees_anyones_and_another_student_nobody_elses(alice, bob, teacher):
    recorded(alice)
    for url in urls(alice):
        assert client_for(teacher).get(url).status_code == 200, url
        assert client_for(bob).get(url).status_code == 404, url


def test_a_visitor_is_sent_to_log_in(alice):
    recorded(alice)
    for url in ["/recordings/", *urls(alice)]:
        response = client_for().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_name_that_is_not_a_recordings_is_not_found(alice):
    recorded(alice)
    client = client_for(alice)
    for name in ["..", "20261201T120000-00000", "x" * 22, "%2e%2e%2fsecret_key"]:
        assert client.get(f"/recordings/alice/{name}.cast").status_code == 404


def test_the_cast_file_downloads_as_asciicast_v2_with_whole_lines_only(alice):
    recorded(alice, data=CAST + b'[0.7, "o", "half')  # a line being written
    response = client_for(alice).get(f"/recordings/alice/{NAME}.cast?download=1")
    assert response["Content-Type"] == "application/x-asciicast"
    assert response["Content-Disposition"] == f'attachment; filename="alice-{NAME}.cast"'
    head, events = asciicast_reader.read(response.content)
    assert head["version"] == 2 and asciicast_reader.markers(events) == ["$ ls"]


def test_the_list_is_newest_first(alice):
    recorded(alice, "20261201T120000-000001")
    recorded(alice, "20261202T120000-000001")
    body = client_for(alice).get("/recordings/").content.decode()
    assert body.index("20261202T120000") < body.index("20261201T120000")


def test_the_replay_page_has_the_player_and_the_cast(alice):
    recorded(alice)
    body = client_for(alice).get(f"/recordings/alice/{NAME}/").content.decode()
    assert "asciinema-player-3.18.0/asciinema-player.min.js" in body
    assert f'data-cast="/recordings/alice/{NAME}.cast"' in body
