"""Whether a student's shell is recorded: "off", "on", or "notice" (on, and the
student's pages say so prominently). Decided by an app that knows why (the
classroom: a class setting), which sets the rule from its AppConfig.ready().
Without one nothing is recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterable

OFF, ON, NOTICE = "off", "on", "notice"
MODES = (OFF, ON, NOTICE)
Rule = Callable[[list[int]], dict[int, str]]  # student ids -> their mode (missing: off); may query the database


def _nobody(user_ids: list[int]) -> dict[int, str]:
    return {}


_rule: Rule = _nobody


def set_rule(rule: Rule | None) -> None:
    global _rule
    _rule = rule or _nobody


def modes(user_ids: Iterable[int]) -> dict[int, str]:
    """Each student's mode (sync: the rule may query the database)."""
    ids = list(user_ids)
    found = _rule(ids) if ids else {}
    return {user_id: found.get(user_id, OFF) for user_id in ids}


def mode_of(user_id: int) -> str:
    return modes([user_id])[user_id]
