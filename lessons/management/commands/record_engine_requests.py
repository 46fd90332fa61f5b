"""Record every API request the course makes of a student's engine.

Runs each lesson's runnable blocks and each step's check solution in one
fresh sandbox whose guard records what dockerd asks it (DOCKYARD_AUTHZ_RECORD),
and writes those requests to sandbox/tests/fixtures/engine_requests.jsonl.
The policy tests replay and mutate them (sandbox/tests/test_authz_corpus.py).
Run it again after changing the lessons or the engine's Docker version.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test import override_settings
from markdown_it import MarkdownIt

from lessons.rendering import parse_info
from lessons.services import parse_lesson_file
from sandbox.backends import reset_backend_cache
from sandbox.backends.docker import DockerBackend
from sandbox.backends.docker import specs as docker_specs

OUTPUT = Path(settings.BASE_DIR) / "sandbox" / "tests" / "fixtures" / "engine_requests.jsonl"
RECORDING = "/run/dockyard-engine/requests.jsonl"
KEY = "record-course"
# Lines typed into an interactive program (`docker run -it … sh` up to `exit`)
# cannot run in a script; the program itself is run with its input closed.
INTERACTIVE = re.compile(r"\bdocker (run|exec)\b.*\s-it?\b")


def lesson_scripts(language: str = "en"):
    """(lesson file, script) for each runnable block and each check solution, in course order."""
    markdown = MarkdownIt()
    for path in sorted((Path(settings.LESSONS_DIR) / language).glob("*.md")):
        for token in markdown.parse(path.read_text(encoding="utf-8")):
            if token.type == "fence" and parse_info(token.info)[1]:
                yield path.name, _without_interactive_input(token.content)
        values = parse_lesson_file(path, language, f"{language}/{path.name}")
        for step in values["steps"]:
            check = step.get("check") or {}
            if check.get("solution"):
                yield path.name, check["solution"]


def _without_interactive_input(code: str) -> str:
    lines, inside = [], False
    for line in code.splitlines():
        if inside:
            inside = line.strip() != "exit"
            continue
        if INTERACTIVE.search(line):
            lines.append(line.replace(" -it ", " -i ").replace(" -it", " -i") + " </dev/null")
            inside = True
            continue
        lines.append(line)
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Run the course in a fresh sandbox and record the engine API requests it makes."

    def handle(self, *args, **options):
        with override_settings(SANDBOX_NAME_PREFIX="dockyard-record", SANDBOX_POOL_SIZE=0):
            reset_backend_cache()
            asyncio.run(self._record())
            reset_backend_cache()

    async def _record(self):
        backend = DockerBackend()
        original = docker_specs.engine_options

        def recording_engine(names):
            options = original(names)
            options["environment"] = {**options.get("environment", {}), "DOCKYARD_AUTHZ_RECORD": RECORDING}
            return options

        docker_specs.engine_options = recording_engine
        try:
            await backend.remove(KEY)
            await backend.start(KEY)
            if not await backend.wait_engine_ready(KEY, 60):
                raise SystemExit("the sandbox's engine did not start")
            scripts = list(lesson_scripts())
            for index, (lesson, script) in enumerate(scripts, 1):
                self.stdout.write(f"[{index}/{len(scripts)}] {lesson}")
                # Each script goes on in the folder the last one left (lessons `cd` into their projects).
                script = f'cd "$(cat ~/.record-cwd 2>/dev/null || echo ~)"\n{script}\npwd > ~/.record-cwd'
                result = await backend.exec(KEY, ["bash", "-c", script], timeout=300)
                if result.exit_code != 0:
                    self.stdout.write(f"  exit {result.exit_code}: {result.output[-300:].strip()}")
            engine = backend.client.containers.get(docker_specs.Names(KEY).engine)
            recorded = engine.exec_run(["cat", RECORDING]).output
            OUTPUT.parent.mkdir(parents=True, exist_ok=True)
            OUTPUT.write_bytes(recorded)
            count = len(recorded.splitlines())
            self.stdout.write(self.style.SUCCESS(f"{count} requests -> {OUTPUT}"))
        finally:
            docker_specs.engine_options = original
            await backend.remove(KEY)
