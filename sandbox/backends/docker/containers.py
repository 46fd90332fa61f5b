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


def running_engine_names(api) -> set[str]:
    """Names of every running sandbox engine on the host, in one list call: the SDK's
    containers.list() inspects each container it lists (one call per sandbox)."""
    from sandbox.backends.docker.specs import ROLE_LABEL

    summaries = api.containers(filters={"label": f"{ROLE_LABEL}=engine", "status": "running"})
    return {name.lstrip("/") for summary in summaries for name in summary["Names"]}
