"""The recording hook (sandbox/recording.py): an app's recorder gets every read
of a shell, its resizes and its end; a recording that cannot start costs the
student nothing."""

import asyncio

import pytest

from sandbox import recording
from sandbox.runtime import SandboxRuntime


class Recorder:
    def __init__(self):
        self.reads, self.sizes, self.closed = [], [], False

    def output(self, data):
        self.reads.append(data)

    def resize(self, cols, rows):
        self.sizes.append((cols, rows))

    def close(self):
        self.closed = True


class Recording:
    def __init__(self, runtime, fail=False):
        self.fail, self.started, self.closed = fail, [], False

    async def start(self, key, cols, rows, screen):
        await asyncio.sleep(0.05)  # as a database query would: the shell's first output waits
        if self.fail:
            raise RuntimeError("no disk")
        self.started.append((key, cols, rows, screen))
        self.recorder = Recorder()
        return self.recorder

    async def close(self):
        self.closed = True


@pytest.fixture
def runtime_recording():
    def make(fail=False):
        recording.record_with(lambda runtime: Recording(runtime, fail))
        return SandboxRuntime()

    previous = recording._factory
    yield make
    recording.record_with(previous)


async def test_the_recorder_gets_every_read_from_the_first_the_resizes_and_the_end(fake_backend, runtime_recording):
    runtime = runtime_recording()
    await fake_backend.start("u7")
    opening = asyncio.create_task(runtime.shells.open("u7", 90, 30))
    while not fake_backend.terminals:
        await asyncio.sleep(0)
    await fake_backend.terminals[0].output.put(b"first prompt$ ")  # before the recording has started
    session = await opening
    await fake_backend.terminals[0].output.put(b"more")
    await asyncio.sleep(0.05)
    await session.resize(100, 40)
    await runtime.close()
    key, cols, rows, screen = runtime.recording.started[0]
    assert (key, cols, rows) == ("u7", 90, 30)
    assert screen().endswith(b"first prompt$ more")  # the shell's screen, for a recording begun later
    recorder = runtime.recording.recorder
    assert b"".join(recorder.reads) == b"first prompt$ more"
    assert recorder.sizes == [(100, 40)] and recorder.closed and runtime.recording.closed


async def test_a_recording_that_cannot_start_leaves_the_shell_working(fake_backend, runtime_recording):
    runtime = runtime_recording(fail=True)
    await fake_backend.start("u8")
    session = await runtime.shells.open("u8", 80, 24)
    assert session.recorder is None and session.alive
    await runtime.close()


def test_without_an_app_that_records_nothing_is(fake_backend, runtime_recording):
    recording.record_with(None)
    assert SandboxRuntime().recording is None
