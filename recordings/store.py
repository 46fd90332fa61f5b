"""Where recordings live: one folder per student under RECORDING_DIR, one
asciicast file per shell session, named by the time it began (UTC, to the
microsecond), so names sort oldest first. A student's files together stay
under RECORDING_MAX_BYTES: the oldest go first. Names are checked against
NAME_RE before anything touches the file system. Blocking: call from a thread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

NAME_RE = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9]{6}$")
NAME_FORMAT = "%Y%m%dT%H%M%S-%f"
SUFFIX = ".cast"


@dataclasses.dataclass(frozen=True)
class RecordingFile:
    name: str
    size: int
    started: datetime
    modified: datetime

    @property
    def seconds(self) -> float:
        return max(0.0, (self.modified - self.started).total_seconds())


def user_dir(user_id: int) -> Path:
    return Path(settings.RECORDING_DIR) / f"u{int(user_id)}"


def new_name(now: datetime) -> str:
    return now.astimezone(UTC).strftime(NAME_FORMAT)


def path_of(user_id: int, name: str) -> Path | None:
    """The file of recording `name` of a student; None for a name that is not one."""
    if not NAME_RE.match(name):
        return None
    return user_dir(user_id) / (name + SUFFIX)


def recordings_of(user_id: int) -> list[RecordingFile]:
    """The student's recordings, newest first."""
    found = []
    try:
        entries = list(os.scandir(user_dir(user_id)))
    except FileNotFoundError:
        return []
    for entry in entries:
        name = entry.name.removesuffix(SUFFIX)
        if not entry.name.endswith(SUFFIX) or not NAME_RE.match(name):
            continue
        try:
            stat = entry.stat()
        except FileNotFoundError:  # dropped a moment ago
            continue
        started = datetime.strptime(name, NAME_FORMAT).replace(tzinfo=UTC)
        found.append(RecordingFile(name, stat.st_size, started, datetime.fromtimestamp(stat.st_mtime, UTC)))
    return sorted(found, key=lambda recording: recording.name, reverse=True)


def keep_within_budget(user_id: int, current: str, limit: int) -> int:
    """Drop the student's oldest recordings other than `current` until all fit in
    `limit` bytes; returns the room left for `current` (negative: it alone is over)."""
    recordings = recordings_of(user_id)
    total = sum(recording.size for recording in recordings)
    for recording in reversed(recordings):  # oldest first
        if total <= limit:
            break
        if recording.name == current:
            continue
        with contextlib.suppress(FileNotFoundError):
            path_of(user_id, recording.name).unlink()
        total -= recording.size
    return limit - total


def delete_all(user_id: int) -> None:
    shutil.rmtree(user_dir(user_id), ignore_errors=True)
