"""The words the dashboard's script shows (static/js/dashboard.js), translated
here and handed to it as JSON. `%(name)s`, `%(n)s`, `%(total)s` are filled in there."""

from django.utils.translation import gettext_lazy as _

TEXTS = {
    "connecting": _("Connecting…"),
    "live": _("Live"),
    "reconnecting": _("Connection lost · reconnecting…"),
    "forbidden": _("You may not see this class."),
    "counts": _("%(online)s of %(total)s online"),
    "student": _("Student"),
    "sandbox": _("Sandbox"),
    "lesson": _("Lesson"),
    "steps": _("Steps"),
    "progress": _("Progress"),
    "last_command": _("Last command"),
    "screen": _("Screen"),
    "actions": _("Actions"),
    "online": _("online"),
    "offline": _("offline"),
    "state_running": _("running"),
    "state_starting": _("starting"),
    "state_stopped": _("stopped"),
    "state_missing": _("none"),
    "state_full": _("class full"),
    "state_error": _("error"),
    "passed_at": _("passed at %(time)s"),
    "not_started": _("not started"),
    "passed_count": _("%(n)s of %(total)s passed"),
    "lesson_done_count": _("%(n)s of %(total)s finished this lesson"),
    "ok": _("ok"),
    "failed": _("failed (exit %(status)s)"),
    "never": _("no command yet"),
    "ago_s": _("%(n)s s ago"),
    "ago_m": _("%(n)s min ago"),
    "ago_h": _("%(n)s h ago"),
    "full_screen": _("(a full-screen program is running)"),
    "no_screen": _("(no terminal open)"),
    "hand": _("Raised hand"),
    "help_badge": _("Help"),
    "sandbox_menu": _("Stop, restart or reset this student's sandbox, or see their recordings"),
    "watch": _("Watch"),
    "recordings": _("Recordings"),
    "stop": _("Stop"),
    "restart": _("Restart"),
    "reset": _("Reset…"),
    "confirm_stop": _("Stop %(name)s’s sandbox? Their files are kept; they can start it again."),
    "confirm_restart": _("Restart %(name)s’s sandbox? Every program running in it ends; their files are kept."),
    "confirm_reset": _(
        "Reset %(name)s’s sandbox? It is removed with all their files, images and containers; "
        "they get a fresh one. Their progress is kept unless you tick the box."
    ),
    "confirm_stop_all": _("Stop the sandboxes of everyone in this class? Their files are kept."),
    "do_stop": _("Stop"),
    "do_restart": _("Restart"),
    "do_reset": _("Reset"),
    "do_stop_all": _("Stop all"),
    "done": _("Done."),
    "action_failed": _("That did not work: %(error)s"),
    "stopped_n": _("%(n)s sandboxes stopped."),
    "open_terminal": _("Open terminal"),
    "resolve": _("Resolve"),
    "seen_by": _("seen by %(name)s"),
    "no_text": _("(no message)"),
    "sent": _("Sent."),
    "copied": _("Copied."),
    "no_match": _("No student matches."),
}


def texts() -> dict[str, str]:
    return {key: str(value) for key, value in TEXTS.items()}
