"""The sandbox backend of bench/classroom_dashboard.py: the fake backend (a shell
that echoes what is typed, no containers), whose step checks take a moment and
pass now and then, as a class's would. The students "type" the shell's prompt
marker, so every command goes the real way: websocket, shell, marker, event."""

import asyncio
import random

from sandbox.backends.base import ExecResult
from sandbox.backends.fake import FakeBackend

CHECK_SECONDS = 0.05  # a check is a `docker exec` in the student's workspace: tens of ms
PASS_CHANCE = 0.15  # a check passes after this share of commands


class BenchBackend(FakeBackend):
    async def exec(self, key, command, timeout=60):
        await super().exec(key, command, timeout)  # refuses a stopped sandbox
        await asyncio.sleep(CHECK_SECONDS)
        return ExecResult(exit_code=0 if random.random() < PASS_CHANCE else 1, output="")
