"""Recording the shells of a runtime (recordings/keeper.py) with the fake
backend: a file per shell session in asciicast v2, only for students who
are recorded, bounded per student, deleted with the account."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from recordings import keeper, store
from recordings.tests import asciicast_reader
from recordings.tests.test_cast import prompt
from sandbox.services import sandbox_key

pytestmark = pytest.mark.django_db(transaction=True)


async def open_shell(runtime, backend, user, cols=80, rows=24):
    key = sandbox_key(user)
    await backend.start(key)
    session = await runtime.shells.open(key, cols, rows)
    return session, backend.terminals[-1]


async def printed(terminal, *chunks):
    for chunk in chunks:
        await terminal.output.put(chunk)
        await asyncio.sleep(0.01)


def files_of(user):
    return store.recordings_of(user.pk)


def read(user, name=None):
    recordings = files_of(user)
    name = name or recordings[0].name
    return asciicast_reader.read(store.path_of(user.pk, name).read_bytes())


async def test_a_recorded_students_shell_is_written_with_its_commands(
    sandbox_runtime, fake_backend, alice, recorded, hang_up_shells
):
    recorded[alice.pk] = "on"
    session, terminal = await open_shell(sandbox_runtime, fake_backend, alice, 100, 30)
    await printed(terminal, prompt(0), b"ls\r\n", b"file.txt\r\n" + prompt(0), b"cat nope\r\n")
    await session.resize(120, 40)
    await printed(terminal, b"cat: nope: No such file\r\n" + prompt(1))
    await sandbox_runtime.recording.flush()
    head, events = read(alice)
    assert (head["width"], head["height"]) == (100, 30)
    assert asciicast_reader.markers(events) == ["$ ls", "exit 0", "$ cat nope", "exit 1"]
    assert "file.txt" in asciicast_reader.output(events)
    assert [int(n) for n in next(e[2] for e in events if e[1] == "r").split("x")] == [120, 40]


async def test_nothing_is_written_for_a_student_whose_class_does_not_record(
    sandbox_runtime, fake_backend, alice, bob, recorded, hang_up_shells
):
    for user in (alice, bob):  # alice's class does not record; bob is in no class
        _session, terminal = await open_shell(sandbox_runtime, fake_backend, user)
        await printed(terminal, prompt(0), b"ls\r\n")
    await sandbox_runtime.recording.flush()
    assert files_of(alice) == files_of(bob) == []


async def test_each_shell_session_is_a_recording_of_its_own(
    sandbox_runtime, fake_backend, alice, recorded, hang_up_shells
):
    recorded[alice.pk] = "notice"
    for word in (b"first", b"second"):
        session, terminal = await open_shell(sandbox_runtime, fake_backend, alice)
        await printed(terminal, word)
        await terminal.close()  # the shell exits
        await session.reader
    await sandbox_runtime.recording.flush()
    recordings = files_of(alice)
    assert len(recordings) == 2
    assert asciicast_reader.output(read(alice, recordings[0].name)[1]) == "second"
    assert sandbox_runtime.recording.recordings == []  # ended shells are let go


async def test_turning_recording_on_and_off_applies_to_open_shells(
    sandbox_runtime, fake_backend, alice, recorded, hang_up_shells
):
    _session, terminal = await open_shell(sandbox_runtime, fake_backend, alice)
    await printed(terminal, b"before\r\n")
    recorded[alice.pk] = "on"
    await sandbox_runtime.recording.apply_policy()
    await printed(terminal, b"during\r\n")
    recorded[alice.pk] = "off"
    await sandbox_runtime.recording.apply_policy()
    await printed(terminal, b"after\r\n")
    await sandbox_runtime.recording.flush()
    _head, events = read(alice)
    text = asciicast_reader.output(events)
    assert text.startswith("\x1bcbefore")  # it begins with the screen as it was
    assert "during" in text and "after" not in text
    assert asciicast_reader.markers(events)[-1] == keeper.TURNED_OFF


async def test_a_students_recordings_stay_within_the_limit_oldest_dropped_first(
    settings, sandbox_runtime, fake_backend, alice, recorded, hang_up_shells
):
    settings.RECORDING_MAX_BYTES = 4000
    recorded[alice.pk] = "on"
    for _ in range(2):
        session, terminal = await open_shell(sandbox_runtime, fake_backend, alice)
        await printed(terminal, b"x" * 1500)
        await terminal.close()
        await session.reader
        await sandbox_runtime.recording.flush()
    first, second = sorted(r.name for r in files_of(alice))
    session, terminal = await open_shell(sandbox_runtime, fake_backend, alice)
    await printed(terminal, b"y" * 1500)
    await sandbox_runtime.recording.flush()
    assert sorted(r.name for r in files_of(alice))[:1] == [second]  # the oldest went
    await printed(terminal, b"z" * 5000)  # this one alone is past the limit: it ends
    await sandbox_runtime.recording.flush()
    await printed(terminal, b"more")
    await sandbox_runtime.recording.flush()
    assert sum(r.size for r in files_of(alice)) <= 4000
    _head, events = read(alice)
    assert asciicast_reader.markers(events) == [keeper.LIMIT_REACHED]
    assert "more" not in asciicast_reader.output(events)
    assert first not in {r.name for r in files_of(alice)}


async def test_a_flood_is_kept_in_part_and_goes_on_from_the_screen_at_the_prompt(
    monkeypatch, sandbox_runtime, fake_backend, alice, recorded, hang_up_shells
):
    monkeypatch.setattr(keeper, "RATE", 1)  # bytes a second: nothing refills during the test
    monkeypatch.setattr(keeper, "BURST", 3000)
    recorded[alice.pk] = "on"
    session, terminal = await open_shell(sandbox_runtime, fake_backend, alice)
    await printed(terminal, prompt(0), b"yes\r\n", b"y\n" * 1000, b"y\n" * 1000, b"y\n" * 1000)
    await printed(terminal, b"^C\r\n" + prompt(130))
    await printed(terminal, b"ls\r\n", b"file\r\n" + prompt(0))
    await sandbox_runtime.recording.flush()
    _head, events = read(alice)
    assert asciicast_reader.markers(events) == ["$ yes", keeper.SKIPPED, "exit 130", "$ ls", "exit 0"]
    skipped = events.index(next(e for e in events if e[2] == keeper.SKIPPED))
    assert asciicast_reader.output(events[:skipped]).count("y\n") == 1000  # the first chunk fit
    screen, *rest = [e[2] for e in events[skipped + 1 :] if e[1] == "o"]
    assert screen.startswith("\x1bc") and screen.endswith("y\n" * 3000)  # the screen, flood included
    assert "".join(rest) == "^C\r\n" + prompt(130).decode() + "ls\r\nfile\r\n" + prompt(0).decode()


async def test_what_waits_for_the_disk_is_bounded(sandbox_runtime, fake_backend, alice, recorded, hang_up_shells):
    recorded[alice.pk] = "on"
    session, _terminal = await open_shell(sandbox_runtime, fake_backend, alice)
    for _ in range(4):
        session.recorder.output(b"a" * (keeper.BURST // 3))
    items = session.recorder.take()
    assert sum(len(value) for kind, _at, value in items if kind == "o") <= keeper.BURST
    assert items[-1][2] == keeper.SKIPPED


async def test_a_students_recordings_go_with_their_account(
    sandbox_runtime, fake_backend, alice, recorded, hang_up_shells
):
    recorded[alice.pk] = "on"
    session, terminal = await open_shell(sandbox_runtime, fake_backend, alice)
    await printed(terminal, b"hello")
    await sandbox_runtime.recording.flush()
    alice_id = alice.pk
    assert store.recordings_of(alice_id)
    await database_sync_to_async(alice.delete)()
    assert not store.user_dir(alice_id).exists()
    await printed(terminal, b"still typing")  # the open shell does not bring them back
    await sandbox_runtime.recording.flush()
    assert not store.user_dir(alice_id).exists()
