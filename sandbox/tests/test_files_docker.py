"""The file editor's API on a real sandbox: what it saves, `docker build` uses;
bytes round-trip exactly; symlinks out of home, binary and oversized files are refused."""

import base64
import json

import pytest
from django.test import Client

from sandbox.files import version
from sandbox.tests.docker_fixtures import sandbox_fixture

pytestmark = [pytest.mark.docker, pytest.mark.django_db]
STUDENT_ID = 9701
READ, SAVE, LIST = "/sandbox/files/read/", "/sandbox/files/save/", "/sandbox/files/"

sandbox = sandbox_fixture(f"u{STUDENT_ID}")


@pytest.fixture
def client(django_user_model, sandbox):
    user = django_user_model.objects.create_user("h7-student", password="pw-h7-123", id=STUDENT_ID)
    client = Client()
    client.force_login(user)
    return client


def save(client, path, content, version=None):
    payload = {"path": path, "content": content, "version": version}
    return client.post(SAVE, json.dumps(payload), content_type="application/json")


def test_a_saved_dockerfile_is_what_docker_build_uses(client, sandbox):
    dockerfile = 'FROM busybox\nCMD ["echo", "built from the editor: 你好"]\n'
    response = save(client, "~/h7-hello/Dockerfile", dockerfile, version="")
    assert response.status_code == 200, response.content
    assert response.json()["created"] is True
    result = sandbox.sh("docker build -q -t h7/edited ~/h7-hello >/dev/null && docker run --rm h7/edited")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "built from the editor: 你好"


def test_text_round_trips_byte_for_byte(client, sandbox):
    text = "第一行：你好，世界\r\n第二行 ✓ tabs\tand no final newline"
    assert save(client, "~/h7-cn.txt", text).status_code == 200
    in_sandbox = sandbox.sh("base64 -w0 ~/h7-cn.txt")
    assert base64.b64decode(in_sandbox.output) == text.encode("utf-8")
    read = client.get(READ, {"path": "~/h7-cn.txt"}).json()
    assert read["content"] == text
    assert read["version"] == version(text.encode("utf-8"))


def test_saving_keeps_the_mode_and_leaves_no_temporary_file(client, sandbox):
    assert (
        sandbox.sh("mkdir -p ~/h7-bin && printf 'echo one\\n' > ~/h7-bin/run.sh && chmod 750 ~/h7-bin/run.sh").exit_code
        == 0
    )
    opened = client.get(READ, {"path": "~/h7-bin/run.sh"}).json()
    response = save(client, "~/h7-bin/run.sh", "#!/bin/sh\necho two\n", version=opened["version"])
    assert response.status_code == 200, response.content
    result = sandbox.sh("stat -c %a ~/h7-bin/run.sh && ~/h7-bin/run.sh && ls -A ~/h7-bin")
    assert result.output.split() == ["750", "two", "run.sh"]


def test_a_file_edited_in_the_terminal_meanwhile_is_not_overwritten(client, sandbox):
    assert save(client, "~/h7-race.txt", "first\n").status_code == 200
    opened = client.get(READ, {"path": "~/h7-race.txt"}).json()
    sandbox.sh("echo from-the-terminal > ~/h7-race.txt")
    response = save(client, "~/h7-race.txt", "from the editor\n", version=opened["version"])
    assert response.status_code == 409
    assert response.json()["reason"] == "changed"
    assert sandbox.sh("cat ~/h7-race.txt").output == "from-the-terminal\n"


def test_the_listing_shows_folders_first(client, sandbox):
    sandbox.sh("mkdir -p ~/h7-list/sub && touch ~/h7-list/a.txt && ln -sfn /etc ~/h7-list/etc-link")
    entries = client.get(LIST, {"path": "~/h7-list"}).json()["entries"]
    assert entries == [
        {"name": "etc-link", "kind": "dir", "size": 4, "link": True},
        {"name": "sub", "kind": "dir", "size": entries[1]["size"], "link": False},
        {"name": "a.txt", "kind": "file", "size": 0, "link": False},
    ]


def test_a_symlink_to_etc_passwd_is_refused(client, sandbox):
    sandbox.sh("ln -sfn /etc/passwd ~/h7-passwd && ln -sfn /etc ~/h7-etc")
    response = client.get(READ, {"path": "~/h7-passwd"})
    assert response.status_code == 400
    assert response.json()["error"] == "Only files in your home folder (~) can be opened here."
    assert "root:" not in response.content.decode()
    assert save(client, "~/h7-passwd", "hacked\n").status_code == 400
    assert save(client, "~/h7-etc/h7-planted", "planted\n").status_code == 400
    assert client.get(LIST, {"path": "~/h7-etc"}).status_code == 400
    result = sandbox.sh("head -c 5 /etc/passwd; ls /etc/h7-planted 2>&1")
    assert result.output.startswith("root:") and "No such file" in result.output


def test_a_binary_file_is_refused(client, sandbox):
    sandbox.sh("head -c 4096 /bin/ls > ~/h7-binary")
    response = client.get(READ, {"path": "~/h7-binary"})
    assert response.status_code == 400
    assert response.json()["reason"] == "binary"
    assert "not a UTF-8 text file" in response.json()["error"]


def test_an_oversized_file_and_save_are_refused_and_the_old_content_stays(client, sandbox, settings):
    settings.EDITOR_MAX_BYTES = 64 * 1024
    sandbox.sh("head -c 65537 /dev/zero | tr '\\0' a > ~/h7-big.txt && echo small > ~/h7-small.txt")
    assert client.get(READ, {"path": "~/h7-big.txt"}).status_code == 413
    response = save(client, "~/h7-small.txt", "b" * (64 * 1024 + 1))
    assert response.status_code == 413
    assert response.json()["error"] == "This file is larger than 64.0\xa0KB, the most the editor handles."
    assert sandbox.sh("cat ~/h7-small.txt").output == "small\n"
