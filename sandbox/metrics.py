"""What sandbox events count in tutorial.metrics (a listener like any other)."""

from tutorial.metrics import TERMINALS_OPEN


class MetricsListener:
    def __init__(self, runtime=None):
        self.runtime = runtime

    async def __call__(self, event) -> None:
        kind = "watcher" if event.data.get("read_only") else "student"
        if event.kind == "terminal.opened":
            TERMINALS_OPEN.labels(kind).inc()
        elif event.kind == "terminal.closed":
            TERMINALS_OPEN.labels(kind).dec()
