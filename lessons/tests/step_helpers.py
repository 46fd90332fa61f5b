"""Helpers for step tests: lesson files with steps, and a backend whose checks
pass or fail on demand."""

from pathlib import Path

import yaml

from sandbox.backends.base import ExecResult
from sandbox.backends.fake import FakeBackend

HELLO_STEPS = [
    {
        "id": "hello",
        "title": "Run your first container",
        "check": {
            "run": "docker ps -a --filter ancestor=busybox -q | grep -q .",
            "fail": "No container has been created from busybox yet.",
            "hint": "Use docker run with the busybox image.",
            "solution": "docker run busybox echo hello",
        },
    },
    {"id": "look", "title": "Look around"},
]
HELLO_BODY = """Intro text.

::: step hello
Run **busybox**:

```console run
docker run busybox echo hello
```
:::

::: step look
Nothing to check here.
:::
"""


def write_step_lesson(
    root, language="en", filename="01-steps.md", *, slug="steps", title="Steps", order=1, steps=None, body=HELLO_BODY
):
    meta = {"slug": slug, "title": title, "order": order}
    if steps is not None:
        meta["steps"] = steps
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n" + body
    path = Path(root) / language / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def translated(steps, title_suffix=" (中文)", fail="还没有从 busybox 创建容器。"):
    """The same steps with translated titles and failure texts, as a zh-hans file would have."""
    out = []
    for step in steps:
        step = {**step, "title": step["title"] + title_suffix}
        if step.get("check"):
            step["check"] = {**step["check"], "fail": fail}
        out.append(step)
    return out


class ScriptedBackend(FakeBackend):
    """FakeBackend whose exec answers with exit codes the test sets per script."""

    def __init__(self):
        super().__init__()
        self.exit_codes: dict[str, int] = {}  # bash script -> exit code; others fail
        self.execs: list[list[str]] = []
        self.timeouts: list[float] = []  # each exec's deadline, in order

    async def exec(self, key, command, timeout=60):
        await super().exec(key, command, timeout)  # raises when not running
        self.execs.append(list(command))
        self.timeouts.append(timeout)
        return ExecResult(exit_code=self.exit_codes.get(command[-1], 1), output=f"ran {command[-1]}")
