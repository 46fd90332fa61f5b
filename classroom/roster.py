"""Bulk-adding students from a CSV file: username, name, email (optional).

The upload is read within limits (size, lines, field lengths); every line is
checked before any account is made. Each new account gets a generated
password, shown once (and offered as a CSV download) and never stored in the
clear. A username that is already taken is skipped, not added: joining an
existing account to a class gives its instructors sight of that student's
terminal, so that student joins with the class's code instead.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from classroom import codes
from classroom.models import Membership

MAX_UPLOAD_BYTES = 64 * 1024
MAX_LINES = 500
MAX_NAME = 150


@dataclasses.dataclass(frozen=True)
class Line:
    number: int
    username: str
    name: str
    email: str


@dataclasses.dataclass
class Report:
    created: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # (username, name, password)
    skipped: list[tuple[int, str, str]] = dataclasses.field(default_factory=list)  # (line, username, why)


class RosterError(ValueError):
    """The file cannot be used at all; nothing was created."""


def new_password() -> str:
    """Three groups of four from the join codes' alphabet: easy to read out, 60 bits."""
    letters = codes.ALPHABET.lower()
    return "-".join("".join(secrets.choice(letters) for _ in range(4)) for _ in range(3))


def read_upload(upload) -> str:
    if upload.size > MAX_UPLOAD_BYTES:
        raise RosterError(_("The file is larger than %(size)s KiB.") % {"size": MAX_UPLOAD_BYTES // 1024})
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(_("The file is not UTF-8 text. Save it as “CSV UTF-8”.")) from None


def parse(text: str) -> tuple[list[Line], list[tuple[int, str, str]]]:
    """(lines to create, problems as (line, username, why)); a header line is skipped."""
    users = get_user_model()
    username_field = users._meta.get_field(users.USERNAME_FIELD)
    lines, problems, seen = [], [], set()
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_LINES + 1:
        raise RosterError(_("The file has more than %(count)s lines.") % {"count": MAX_LINES})
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("username", "user", "用户名"):
            continue
        username, name, email = (cells + ["", "", ""])[:3]
        try:
            username_field.run_validators(username)
            if not username or len(username) > username_field.max_length:
                raise ValidationError("bad length")
        except ValidationError:
            problems.append((number, username[:40], _("not a valid username")))
            continue
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append((number, username, _("not a valid email address")))
                continue
        if username.lower() in seen:
            problems.append((number, username, _("listed twice")))
            continue
        seen.add(username.lower())
        lines.append(Line(number, username, name[:MAX_NAME], email))
    return lines, problems


@transaction.atomic
def add_students(classroom, lines: list[Line]) -> Report:
    users = get_user_model()
    report = Report()
    for line in lines:
        if users.objects.filter(**{f"{users.USERNAME_FIELD}__iexact": line.username}).exists():
            report.skipped.append((line.number, line.username, _("username already taken")))
            continue
        password = new_password()
        user = users.objects.create_user(line.username, email=line.email, password=password, first_name=line.name)
        Membership.objects.create(classroom=classroom, user=user)
        report.created.append((line.username, line.name, password))
    return report


def passwords_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["username", "name", "password"])
    writer.writerows(report.created)
    return out.getvalue()
