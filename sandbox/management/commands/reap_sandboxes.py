"""Stop and remove idle sandboxes once (the server also does this periodically)."""

import asyncio

from django.core.management.base import BaseCommand

from sandbox.services import reap_idle_sandboxes


class Command(BaseCommand):
    help = "Stop sandboxes idle past SANDBOX_IDLE_STOP_SECONDS and remove those idle past SANDBOX_IDLE_REMOVE_SECONDS."

    def handle(self, *args, **options):
        report = asyncio.run(reap_idle_sandboxes())
        self.stdout.write(
            f"stopped {len(report.stopped)}: {' '.join(report.stopped) or '-'}; "
            f"removed {len(report.removed)}: {' '.join(report.removed) or '-'}"
        )
