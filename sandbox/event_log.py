"""One log line per sandbox event, for an operator reading the server's log:
`sandbox event=shell.prompt sandbox=u42 user=42 status=1`. Activity (at most
every 30 s per student) is logged at DEBUG only."""

import logging

log = logging.getLogger("sandbox.events")


def _value(value) -> str:
    text = str(value)
    return repr(text) if not text or any(c in text for c in " =\"'\n") else text


class EventLogListener:
    def __init__(self, runtime=None):
        self.runtime = runtime

    async def __call__(self, event) -> None:
        fields = " ".join(
            f"{name}={_value(value)}"
            for name, value in sorted(event.data.items())
            if name not in ("context", "terminal")
        )
        level = logging.DEBUG if event.kind == "activity" else logging.INFO
        log.log(level, "event=%s sandbox=%s %s", event.kind, event.key, fields)
