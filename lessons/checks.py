"""Running step checks in the student's own workspace.

A check is a bash script from the lesson file; it runs inside the
student's sandbox (never on the host) and passes when it exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.utils import translation
from django.utils.translation import gettext

from lessons.models import Lesson
from lessons.progress import passed_step_ids, record_check_result
from sandbox.backends import get_backend
from sandbox.backends.base import SandboxError
from sandbox.services import sandbox_key
from tutorial.metrics import CHECK_SECONDS

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 15  # seconds; a check is a quick look, not a build
# A check cut off at its deadline says nothing of the student's work (a host
# saturated by a class starting at once: bench/class_at_once.py), so after a
# round it runs again by itself, without waiting for the next command, and
# with twice the time each time it was cut off, up to CUT_OFF_LONGEST. A
# retry with the same deadline could never pass on a host that slow, and
# each one added to the load that made it slow (a class that collapsed:
# bench/README.md). A check cut off even at CUT_OFF_LONGEST hangs rather than
# crawls (a student's image that never exits): it starts again from
# CHECK_TIMEOUT, so it does not hold up the student's other checks for long.
CUT_OFF_RETRIES = 2
CUT_OFF_PAUSE = 2.0  # seconds before each retry
CUT_OFF_LONGEST = CHECK_TIMEOUT * 2**CUT_OFF_RETRIES


class SandboxNotRunning(Exception):
    """The student's sandbox is not running, so nothing can be checked."""


@dataclass(frozen=True)
class CheckResult:
    step_id: str
    passed: bool
    message: str
    output: str = ""
    cut_off: bool = False  # ran out of time: neither passed nor failed


def not_running_message() -> str:
    return gettext("Start your terminal first.")


async def run_step_check(user, step) -> CheckResult:
    """Run one step's check in the user's workspace; raises SandboxNotRunning."""
    started = time.monotonic()
    try:
        result = await get_backend().exec(sandbox_key(user), ["bash", "-c", step.check.run], timeout=CHECK_TIMEOUT)
    except SandboxError as exc:
        CHECK_SECONDS.labels("not-running").observe(time.monotonic() - started)
        raise SandboxNotRunning(str(exc)) from exc
    passed = result.exit_code == 0
    CHECK_SECONDS.labels("passed" if passed else "failed").observe(time.monotonic() - started)
    message = gettext("Passed.") if passed else step.check.fail
    return CheckResult(step.id, passed, message, result.output)


async def check_step(user, lesson, step) -> CheckResult:
    """The Check button: run the check and count it as an attempt."""
    with translation.override(lesson.language):
        result = await run_step_check(user, step)
    await record_check_result(
        user, lesson.slug, step.id, passed=result.passed, message=result.message, output=result.output
    )
    return result


@database_sync_to_async
def _lesson_and_pending(user, slug, language):
    """The lesson in `language` (else English, else any) and its steps whose
    checks have not passed yet; (None, []) for a lesson that is gone."""
    lesson = (
        Lesson.objects.filter(slug=slug, language=language).first()
        or Lesson.objects.filter(slug=slug, language="en").first()
        or Lesson.objects.filter(slug=slug).first()
    )
    if lesson is None:
        return None, []
    passed = passed_step_ids(user, slug)
    return lesson, [step for step in lesson.get_steps() if step.check is not None and step.id not in passed]


async def run_checks(user, lesson, steps, timeout=CHECK_TIMEOUT) -> list[CheckResult]:
    """After a command in the terminal: run these steps' checks (all in one go:
    backend.exec_each), each with `timeout` seconds.

    Failures are not attempts (the student may be doing something else);
    passes are recorded and published like any other.
    """
    if not steps:
        return []
    started = time.monotonic()
    try:
        outcomes = await get_backend().exec_each(
            sandbox_key(user), [step.check.run for step in steps], timeout_each=timeout
        )
    except SandboxError:
        CHECK_SECONDS.labels("not-running").observe(time.monotonic() - started)
        return []
    each = (time.monotonic() - started) / len(steps)
    results = []
    with translation.override(lesson.language):
        for step, outcome in zip(steps, outcomes, strict=True):
            passed_now = outcome.exit_code == 0
            CHECK_SECONDS.labels("passed" if passed_now else "failed").observe(each)
            result = CheckResult(
                step.id,
                passed_now,
                gettext("Passed.") if passed_now else step.check.fail,
                outcome.output,
                cut_off=outcome.cut_off,
            )
            if passed_now:
                await record_check_result(
                    user, lesson.slug, step.id, passed=True, message=result.message, output=result.output, attempt=False
                )
            results.append(result)
    return results


class CheckRounds:
    """Checks after each command for one student and lesson: one round at a time;
    prompts that arrive during a round ask for one more round after it, however
    many they are. Each result goes to `report` (a terminal page), if any."""

    def __init__(self, user, slug: str, language: str, report=None):
        self.user, self.slug, self.language = user, slug, language
        self.report = report
        self._task: asyncio.Task | None = None
        self._again = False
        self._deadlines: dict[str, float] = {}  # step -> its next deadline, once it was cut off

    def request(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._rounds())

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _rounds(self) -> None:
        try:
            while True:
                self._again = False
                cut_off = await self._round()
                for _ in range(CUT_OFF_RETRIES):
                    if not cut_off or self._again:  # a new round comes anyway
                        break
                    await asyncio.sleep(CUT_OFF_PAUSE)
                    if self._again:
                        break
                    cut_off = await self._round(only=cut_off)
                if not self._again:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("lesson checks for %s (%s) failed", self.user, self.slug)

    async def _round(self, only: set[str] | None = None) -> set[str]:
        """One round, reported; the steps whose checks were cut off. Steps cut off
        before run after the others, each with its longer deadline, so that
        the others' results come first. The lesson and what passed are read
        once per round."""
        lesson, pending = await _lesson_and_pending(self.user, self.slug, self.language)
        if lesson is None:
            return set()
        for step_id in set(self._deadlines) - {step.id for step in pending}:
            del self._deadlines[step_id]  # passed meanwhile (the Check button)
        wanted = [step for step in pending if only is None or step.id in only]
        longer = [step for step in wanted if step.id in self._deadlines]
        usual = [step for step in wanted if step.id not in self._deadlines]
        cut_off = set()
        if only is None:
            # The first step not passed yet goes alone: the student is most likely
            # on it, and its result then waits for no other step's check (a round
            # of a lesson's ten checks took seconds on a busy host).
            cut_off |= await self._checks(lesson, usual[:1])
            cut_off |= await self._checks(lesson, usual[1:])
        else:
            cut_off |= await self._checks(lesson, usual)
        for step in sorted(longer, key=lambda step: self._deadlines[step.id]):
            cut_off |= await self._checks(lesson, [step], timeout=self._deadlines[step.id])
        return cut_off

    async def _checks(self, lesson, steps, timeout=CHECK_TIMEOUT) -> set[str]:
        """Run and report these steps' checks; the steps cut off."""
        cut_off = set()
        for result in await run_checks(self.user, lesson, steps, timeout=timeout):
            if not result.cut_off:
                self._deadlines.pop(result.step_id, None)
            elif timeout >= CUT_OFF_LONGEST:
                self._deadlines.pop(result.step_id, None)  # it hangs: back to the usual deadline
            else:
                cut_off.add(result.step_id)
                self._deadlines[result.step_id] = min(timeout * 2, CUT_OFF_LONGEST)
            if self.report is not None:
                await self.report(self.slug, result)
        return cut_off
