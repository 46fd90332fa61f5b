"""What lessons tell the apps above them, without knowing who listens.

step_passed: a student passed a step for the first time (a check, from the
Check button or after a command). Sent with `user`, `lesson_slug`, `step_id`
and `at` (when it was passed) by `asend`, so async receivers are awaited in
the check's own event loop; the classroom's dashboards listen.
"""

from django.dispatch import Signal

step_passed = Signal()
