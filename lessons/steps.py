"""Lesson steps: the `steps:` list of the front matter and the `::: step ID`
blocks of the body (docs/lessons-format.md).

A step may carry a check, a bash script run in the student's workspace
whose exit status means pass (0) or fail. Checks are data, never Python.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

STEP_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
# A lesson's or a book's slug: a URL part and a key (also checked in terminal contexts).
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
STEP_KEYS = {"id", "title", "check"}
CHECK_KEYS = {"run", "fail", "hint", "solution"}
# Must be the same in every language of a lesson; the rest is translated.
SHARED_CHECK_KEYS = ("run", "solution")


class StepError(ValueError):
    """A step is declared or used wrongly; the message names the step."""


@dataclass(frozen=True)
class Check:
    run: str
    fail: str
    hint: str = ""
    solution: str = ""


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    check: Check | None = None

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Step:
        check = data.get("check")
        return cls(id=data["id"], title=data["title"], check=Check(**check) if check else None)


def _text(value, what: str, required: bool) -> str:
    if value is None or value == "":
        if required:
            raise StepError(f"{what} is missing")
        return ""
    if not isinstance(value, str):
        raise StepError(f"{what} must be text")
    if required and not value.strip():
        raise StepError(f"{what} is missing")
    return value.strip()


def _parse_check(data, step_id: str) -> Check | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise StepError(f"step {step_id!r}: 'check' must be a mapping with 'run' and 'fail'")
    unknown = sorted(set(map(str, data)) - CHECK_KEYS)
    if unknown:
        raise StepError(f"step {step_id!r}: unknown check key(s): {', '.join(unknown)}")
    where = f"step {step_id!r}: check"
    return Check(
        run=_text(data.get("run"), f"{where} 'run'", required=True),
        fail=_text(data.get("fail"), f"{where} 'fail'", required=True),
        hint=_text(data.get("hint"), f"{where} 'hint'", required=False),
        solution=_text(data.get("solution"), f"{where} 'solution'", required=False),
    )


def parse_steps(data) -> list[Step]:
    """The front matter's `steps:` value as Steps; raises StepError."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise StepError("'steps' must be a list of steps (each a mapping with 'id' and 'title')")
    steps, seen = [], set()
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise StepError(f"step {number} must be a mapping with 'id' and 'title'")
        step_id = item.get("id")
        if not isinstance(step_id, str) or not STEP_ID_RE.match(step_id):
            raise StepError(f"step {number}: invalid id {step_id!r}: use lowercase letters, digits and dashes (max 41)")
        if step_id in seen:
            raise StepError(f"duplicate step id {step_id!r}")
        seen.add(step_id)
        unknown = sorted(set(map(str, item)) - STEP_KEYS)
        if unknown:
            raise StepError(f"step {step_id!r}: unknown key(s): {', '.join(unknown)}")
        title = _text(item.get("title"), f"step {step_id!r}: 'title'", required=True)
        steps.append(Step(id=step_id, title=title, check=_parse_check(item.get("check"), step_id)))
    return steps


def check_body_steps(steps: list[Step], used: list[str]) -> None:
    """Every `::: step X` names a declared step; every declared step is used once."""
    declared = {step.id for step in steps}
    for step_id in used:
        if step_id not in declared:
            raise StepError(f"'::: step {step_id}' names a step that is not declared in 'steps'")
    for step_id in sorted(set(used)):
        if used.count(step_id) > 1:
            raise StepError(f"step {step_id!r} appears {used.count(step_id)} times in the body")
    missing = [step.id for step in steps if step.id not in used]
    if missing:
        raise StepError(f"declared step(s) missing from the body: {', '.join(missing)}")


def describe_mismatch(steps_a: list[dict], steps_b: list[dict]) -> str:
    """A short reason why two languages' steps differ, or "" if they agree."""
    ids_a, ids_b = [s["id"] for s in steps_a], [s["id"] for s in steps_b]
    if ids_a != ids_b:
        return f"step ids differ ({', '.join(ids_a) or 'none'} vs {', '.join(ids_b) or 'none'})"
    for step_a, step_b in zip(steps_a, steps_b, strict=True):
        check_a, check_b = step_a.get("check"), step_b.get("check")
        if (check_a is None) != (check_b is None):
            return f"step {step_a['id']!r} has a check in only one language"
        for key in SHARED_CHECK_KEYS:
            if check_a and check_a[key] != check_b[key]:
                return f"step {step_a['id']!r}: check '{key}' differs"
    return ""
