"""The file editor's API on the fake backend: who may do what, and the refusals."""

import json

import pytest
from django.test import Client

from sandbox.files import version
from sandbox.services import sandbox_key

pytestmark = pytest.mark.django_db
LIST, READ, SAVE = "/sandbox/files/", "/sandbox/files/read/", "/sandbox/files/save/"


@pytest.fixture
def running(fake_backend, alice):
    """alice's sandbox is running, with a Dockerfile in ~/hello."""
    key = sandbox_key(alice)
    fake_backend.status[key] = "running"
    fake_backend.dirs[key] = {"/root", "/root/hello"}
    fake_backend.files[key] = {"/root/hello/Dockerfile": b"FROM busybox\n"}
    return fake_backend.files[key]


def client_for(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def save(client, payload, csrf=True):
    headers = {}
    if csrf:
        client.cookies["csrftoken"] = "a" * 32
        headers["X-CSRFToken"] = "a" * 32
    return client.post(SAVE, json.dumps(payload), content_type="application/json", headers=headers)


def test_it_lists_the_home_folder(alice, running):
    response = client_for(alice).get(LIST, {"path": "~"})
    assert response.status_code == 200
    assert response.json() == {
        "path": "~",
        "parent": None,
        "truncated": False,
        "entries": [{"name": "hello", "kind": "dir", "size": 0, "link": False}],
    }
    inner = client_for(alice).get(LIST, {"path": "~/hello"}).json()
    assert inner["parent"] == "~"
    assert inner["entries"] == [{"name": "Dockerfile", "kind": "file", "size": 13, "link": False}]


def test_it_reads_a_file_with_its_version(alice, running):
    response = client_for(alice).get(READ, {"path": "hello/Dockerfile"})
    assert response.status_code == 200
    assert response.json() == {
        "path": "~/hello/Dockerfile",
        "content": "FROM busybox\n",
        "version": version(b"FROM busybox\n"),
        "size": 13,
    }


def test_it_saves_chinese_text_as_utf8(alice, running):
    text = "FROM busybox\nCMD echo 你好，世界\n"
    response = save(
        client_for(alice), {"path": "~/hello/Dockerfile", "content": text, "version": version(b"FROM busybox\n")}
    )
    assert response.status_code == 200
    assert response.json()["created"] is False
    assert running["/root/hello/Dockerfile"] == text.encode("utf-8")
    assert client_for(alice).get(READ, {"path": "~/hello/Dockerfile"}).json()["content"] == text


def test_it_creates_a_file_and_its_folders(alice, running):
    response = save(client_for(alice), {"path": "~/site/css/style.css", "content": "p {}\n", "version": ""})
    assert response.status_code == 200
    assert response.json()["created"] is True
    assert running["/root/site/css/style.css"] == b"p {}\n"


def test_anonymous_visitors_get_401(client, running):
    assert client.get(LIST).status_code == 401
    assert client.get(READ, {"path": "~/hello/Dockerfile"}).status_code == 401
    response = save(client, {"path": "~/x", "content": "x"})
    assert response.status_code == 401
    assert response.json()["error"] == "Log in first."


def test_another_student_only_sees_their_own_sandbox(bob, alice, running, fake_backend):
    fake_backend.status[sandbox_key(bob)] = "running"
    bob_client = client_for(bob)
    assert bob_client.get(READ, {"path": "~/hello/Dockerfile"}).status_code == 404
    assert save(bob_client, {"path": "~/hello/Dockerfile", "content": "evil"}).status_code == 200
    assert running["/root/hello/Dockerfile"] == b"FROM busybox\n"  # alice's file untouched
    assert fake_backend.files[sandbox_key(bob)]["/root/hello/Dockerfile"] == b"evil"


def test_an_instructor_has_no_access_to_a_students_files(teacher, running):
    # There is no user in the URL: an instructor lands in their own (stopped) sandbox.
    response = client_for(teacher).get(READ, {"path": "~/hello/Dockerfile"})
    assert response.status_code == 409
    assert response.json()["reason"] == "not-running"


def test_saving_needs_the_csrf_token(alice, running):
    response = save(client_for(alice), {"path": "~/x", "content": "x"}, csrf=False)
    assert response.status_code == 403
    assert "/root/x" not in running


def test_saving_refuses_get_and_an_empty_body(alice, running):
    client = client_for(alice)
    assert client.get(SAVE).status_code == 405
    assert save(client, {}).status_code == 400


@pytest.mark.parametrize("path", ["../etc/passwd", "/etc/passwd", "~/../../etc/shadow", "/rootkit"])
def test_traversal_is_refused_with_400(alice, running, path):
    client = client_for(alice)
    for response in (
        client.get(READ, {"path": path}),
        client.get(LIST, {"path": path}),
        save(client, {"path": path, "content": "x"}),
    ):
        assert response.status_code == 400
        assert response.json() == {
            "error": "Only files in your home folder (~) can be opened here.",
            "reason": "outside",
        }


def test_a_symlink_out_of_home_is_refused(alice, running, fake_backend):
    fake_backend.links[sandbox_key(alice)] = {"/root/passwd": "/etc/passwd"}
    response = client_for(alice).get(READ, {"path": "~/passwd"})
    assert response.status_code == 400
    assert response.json()["reason"] == "outside"


def test_a_binary_file_is_refused_not_garbled(alice, running):
    running["/root/logo.png"] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"
    running["/root/latin1.txt"] = "café".encode("latin-1")
    for name in ("logo.png", "latin1.txt"):
        response = client_for(alice).get(READ, {"path": name})
        assert response.status_code == 400
        assert response.json()["error"].startswith("This is not a UTF-8 text file")


def test_an_oversized_file_is_refused_with_413(alice, running, settings):
    settings.EDITOR_MAX_BYTES = 1024
    running["/root/big.txt"] = b"x" * 1025
    response = client_for(alice).get(READ, {"path": "~/big.txt"})
    assert response.status_code == 413
    assert response.json()["error"] == "This file is larger than 1.0\xa0KB, the most the editor handles."


def test_an_oversized_save_is_refused_with_413_and_nothing_changes(alice, running, settings):
    settings.EDITOR_MAX_BYTES = 1024
    response = save(client_for(alice), {"path": "~/hello/Dockerfile", "content": "好" * 342})  # 1026 bytes
    assert response.status_code == 413
    assert response.json()["reason"] == "too-large"
    assert running["/root/hello/Dockerfile"] == b"FROM busybox\n"


def test_a_file_changed_since_it_was_opened_is_not_overwritten(alice, running):
    old = version(b"FROM busybox\n")
    running["/root/hello/Dockerfile"] = b"FROM debian\n"  # edited in the terminal meanwhile
    response = save(client_for(alice), {"path": "~/hello/Dockerfile", "content": "mine", "version": old})
    assert response.status_code == 409
    assert response.json()["reason"] == "changed"
    assert running["/root/hello/Dockerfile"] == b"FROM debian\n"
    forced = save(client_for(alice), {"path": "~/hello/Dockerfile", "content": "mine", "version": None})
    assert forced.status_code == 200


def test_a_new_file_does_not_replace_an_existing_one(alice, running):
    response = save(client_for(alice), {"path": "~/hello/Dockerfile", "content": "new", "version": ""})
    assert response.status_code == 409
    assert response.json()["error"] == "A file with that name already exists."


def test_folders_and_missing_files(alice, running):
    client = client_for(alice)
    assert client.get(READ, {"path": "~/hello"}).json()["reason"] == "is-dir"
    assert client.get(READ, {"path": "~/nope.txt"}).status_code == 404
    assert client.get(LIST, {"path": "~/hello/Dockerfile"}).json()["reason"] == "not-dir"
    assert save(client, {"path": "~/hello", "content": "x"}).status_code == 409


def test_a_stopped_sandbox_asks_to_start_the_terminal(alice, running, fake_backend):
    fake_backend.status[sandbox_key(alice)] = "stopped"
    response = client_for(alice).get(LIST)
    assert response.status_code == 409
    assert response.json()["error"] == "Your sandbox is not running. Start your terminal first."


def test_bad_json_and_bad_versions_are_400(alice, running):
    client = client_for(alice)
    client.cookies["csrftoken"] = "a" * 32
    response = client.post(SAVE, "{not json", content_type="application/json", headers={"X-CSRFToken": "a" * 32})
    assert response.status_code == 400
    assert save(client, {"path": "~/x", "content": "x", "version": "nope"}).status_code == 400
    assert save(client, {"path": "~/x", "content": 42}).status_code == 400


def test_the_playground_has_a_files_tab(alice):
    client = Client()
    client.force_login(alice)
    page = client.get("/sandbox/").content.decode()
    assert 'id="pane-tab-files"' in page
    assert 'data-save-url="/sandbox/files/save/"' in page
    assert "vendor/ace-1.45.2/ace.js" in page


def test_an_instructor_watching_a_student_gets_no_files_tab(teacher, alice):
    client = Client()
    client.force_login(teacher)
    page = client.get(f"/sandbox/watch/{alice.username}/").content.decode()
    assert 'id="terminal-pane"' in page
    assert "pane-tab-files" not in page and "editor.js" not in page
