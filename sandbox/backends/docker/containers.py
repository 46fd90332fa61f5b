"""Small readings of a sandbox's containers (SDK container objects, or None)."""

from __future__ import annotations

import datetime


def running(container) -> bool:
    return container is not None and container.status == "running"


def joined(workspace, engine) -> bool:
    """Whether the workspace shares this engine's network namespace."""
    if workspace is None or engine is None:
        return False
    return workspace.attrs["HostConfig"].get("NetworkMode") == f"container:{engine.id}"


def timestamp(started_at: str) -> float:
    """A Docker time (StartedAt, FinishedAt: RFC 3339, nanoseconds) as seconds since
    the epoch, rounded down to the microsecond; 0 if unreadable (negative for the
    zero time Docker gives a container that never finished)."""
    try:
        return datetime.datetime.fromisoformat(started_at).timestamp()
    except ValueError:
        return 0.0
