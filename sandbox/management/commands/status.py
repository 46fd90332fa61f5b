"""The classroom's state for an operator: every sandbox, its status, disk and
memory, and who was active lately (online)."""

import asyncio
import datetime

from django.core.management.base import BaseCommand
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from sandbox.backends import get_backend
from sandbox.models import Sandbox

ONLINE_WITHIN = datetime.timedelta(minutes=5)


class Command(BaseCommand):
    help = "Show every sandbox: its owner, status, disk and memory in use, and whether its student is online."

    def handle(self, *args, **options):
        backend = get_backend()

        async def gather():
            return await asyncio.gather(backend.list(), backend.disk_usage(), backend.memory_usage())

        sandboxes, disks, memory = asyncio.run(gather())
        owners = {row.key: row for row in Sandbox.objects.select_related("user")}
        now = timezone.now()
        lines = [("student", "sandbox", "status", "disk", "memory", "last active")]
        for info in sandboxes:
            row = owners.get(info.key)
            used = disks.get(info.key)
            online = row is not None and now - row.last_activity < ONLINE_WITHIN
            lines.append(
                (
                    row.user.username if row else ("(pool)" if info.key.startswith("pool") else "?"),
                    info.key,
                    str(info.status),
                    f"{filesizeformat(used[0])} of {filesizeformat(used[1])}" if used else "-",
                    filesizeformat(memory[info.key]) if info.key in memory else "-",
                    ("online, " if online else "")
                    + (timezone.localtime(row.last_activity).strftime("%H:%M") if row else "-"),
                )
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
        for line in lines:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
        running = sum(1 for info in sandboxes if info.status == "running")
        online = sum(1 for row in owners.values() if now - row.last_activity < ONLINE_WITHIN)
        total = sum(memory.values())
        self.stdout.write(
            f"\n{len(sandboxes)} sandboxes, {running} running, {online} students online, "
            f"{filesizeformat(total)} of memory"
        )
