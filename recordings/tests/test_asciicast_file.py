"""A recording as the keeper writes it is valid asciicast v2: read by this
project's spec reader (asciicast_reader) and by the asciinema package's own
reader and its `asciinema cat` (requirements-dev.txt)."""

import asyncio
import json
import subprocess
import sys

import pytest

from recordings import store
from recordings.tests import asciicast_reader
from recordings.tests.test_cast import prompt
from recordings.tests.test_keeper import open_shell, printed
from tutorial.testing import missing

pytestmark = pytest.mark.django_db(transaction=True)
SESSION = [prompt(0), b"echo h\xc3", b"\xa9llo\r\n", b"h\xc3\xa9llo\r\n" + prompt(0), b"false\r\n", prompt(1)]


@pytest.fixture
async def cast_file(sandbox_runtime, fake_backend, alice, recorded, hang_up_shells):
    recorded[alice.pk] = "on"
    session, terminal = await open_shell(sandbox_runtime, fake_backend, alice, 90, 25)
    await printed(terminal, *SESSION[:3])
    await session.resize(100, 30)
    await printed(terminal, *SESSION[3:])
    await terminal.close()
    await session.reader
    await sandbox_runtime.recording.flush()
    [recording] = store.recordings_of(alice.pk)
    return store.path_of(alice.pk, recording.name)


async def test_it_is_asciicast_v2_by_the_specification(cast_file):
    head, events = asciicast_reader.read(cast_file.read_bytes())
    assert head["version"] == 2 and (head["width"], head["height"]) == (90, 25)
    assert isinstance(head["timestamp"], int)
    assert {code for _t, code, _d in events} == {"o", "r", "m"}
    assert asciicast_reader.output(events) == b"".join(SESSION).decode()
    assert asciicast_reader.markers(events) == ["$ echo héllo", "exit 0", "$ false", "exit 1"]


async def test_the_asciinema_package_reads_and_plays_it(cast_file):
    try:
        from asciinema import asciicast
    except ImportError:
        missing("the asciinema package is not installed (requirements-dev.txt)")
    with asciicast.open_from_url(str(cast_file)) as cast:
        assert cast.version == 2 and cast.v2_header["width"] == 90
        events = list(cast.events())
    assert [event[1] for event in events].count("m") == 4
    assert "".join(data for _t, code, data in events if code == "o") == b"".join(SESSION).decode()
    played = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "asciinema", "cat", str(cast_file)], capture_output=True, check=True
    )
    assert played.stdout == b"".join(SESSION)
    assert json.loads(cast_file.read_text().splitlines()[0])["env"]["TERM"] == "xterm-256color"
