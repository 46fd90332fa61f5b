"""What a student reads when their sandbox is in trouble, by SandboxError.code,
in the page's language. Codes not listed here show the error's own message."""

from django.utils.translation import gettext as _

from sandbox.backends.base import SandboxError


def student_message(error: SandboxError) -> str:
    messages = {
        "full": _("The classroom is full right now. Please try again shortly."),
        "no-engine": _("The classroom's Docker engine is not answering. Tell your instructor."),
        "no-images": _("The sandbox images are not built on this server yet. Tell your instructor."),
        "not-running": _("Your sandbox is not running. Start your terminal first."),
        "host-setup": _(
            "Your sandbox could not be prepared on the server. Tell your instructor; the server's log says why."
        ),
        "unsupported": _("This classroom's sandboxes cannot do that."),
    }
    return messages.get(error.code) or str(error)
