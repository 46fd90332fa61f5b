"""Small readings of a sandbox's containers (SDK container objects, or None)."""

from __future__ import annotations

import datetime

# A sandbox's own containers; the caches and the disk helper carry the label too.
SANDBOX_ROLES = ("engine", "workspace")


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


def sandbox_summaries(api, running_only: bool = False) -> dict[str, dict[str, dict]]:
    """Each sandbox's containers as the engine lists them (key -> role -> summary:
    Id, Names, State, HostConfig.NetworkMode), in one list call, not one call per
    container as the SDK's containers.list()."""
    from sandbox.backends.docker.specs import LABEL, ROLE_LABEL, key_from_name

    filters = {"label": LABEL, **({"status": "running"} if running_only else {})}
    found: dict[str, dict[str, dict]] = {}
    for summary in api.containers(all=not running_only, filters=filters):
        role = (summary.get("Labels") or {}).get(ROLE_LABEL)
        if role not in SANDBOX_ROLES:
            continue
        for name in summary.get("Names") or ():
            key = key_from_name(name.lstrip("/"), role)
            if key is not None:
                found.setdefault(key, {})[role] = summary
    return found


def summary_running(summary: dict | None) -> bool:
    return summary is not None and summary.get("State") == "running"


def summary_joined(workspace: dict | None, engine: dict | None) -> bool:
    """joined(), from two list summaries."""
    if workspace is None or engine is None:
        return False
    return (workspace.get("HostConfig") or {}).get("NetworkMode") == f"container:{engine['Id']}"


def running_engine_names(api) -> set[str]:
    """Names of every running sandbox engine on the host, in one list call: the SDK's
    containers.list() inspects each container it lists (one call per sandbox)."""
    from sandbox.backends.docker.specs import ROLE_LABEL

    summaries = api.containers(filters={"label": f"{ROLE_LABEL}=engine", "status": "running"})
    return {name.lstrip("/") for summary in summaries for name in summary["Names"]}
