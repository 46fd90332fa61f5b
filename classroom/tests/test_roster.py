"""Students from a CSV file (passwords shown once, downloadable; taken names
skipped; bounded reads) and the class's progress as CSV."""

import base64
import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from classroom import roster
from classroom.models import Membership
from lessons.models import StepProgress

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def upload(text: str, name="students.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_it_reads_names_emails_and_says_what_it_skips(alice):
    lines, problems = roster.parse(
        "username,name,email\n"
        "li.lei,李雷,li.lei@example.org\n"
        "han.mei,韩梅梅,\n"
        "\n"
        "bad name!,X,\n"
        "zoe,Zoe,not-an-email\n"
        "LI.LEI,again,\n"
    )
    assert [(line.username, line.name, line.email) for line in lines] == [
        ("li.lei", "李雷", "li.lei@example.org"),
        ("han.mei", "韩梅梅", ""),
    ]
    assert [(number, why) for number, _, why in problems] == [
        (5, "not a valid username"),
        (6, "not a valid email address"),
        (7, "listed twice"),
    ]


def test_it_refuses_files_too_big_or_too_long():
    with pytest.raises(roster.RosterError, match="larger than 64 KiB"):
        roster.read_upload(upload("x" * (roster.MAX_UPLOAD_BYTES + 1)))
    with pytest.raises(roster.RosterError, match="more than 500 lines"):
        roster.parse("\n".join(f"s{i},S {i}" for i in range(roster.MAX_LINES + 2)))
    with pytest.raises(roster.RosterError, match="not UTF-8"):
        roster.read_upload(SimpleUploadedFile("x.csv", "名字".encode("gbk")))


def test_the_import_page_creates_accounts_shows_passwords_once_and_skips_taken_names(
    classroom, instructor, alice, django_user_model
):
    response = client_for(instructor).post(
        f"/classroom/{classroom.pk}/students/import/",
        {
            "file": upload("username,name,email\nli.lei,李雷,li@example.org\nALICE,Alice again,\n"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    password = re.search(r"<td>li\.lei</td><td>李雷</td><td><code>([a-z0-9-]+)</code></td>", page).group(1)
    assert len(password) == 14
    assert "username already taken" in page
    student = django_user_model.objects.get(username="li.lei")
    assert student.check_password(password)
    assert student.first_name == "李雷" and student.email == "li@example.org" and not student.is_staff
    assert Membership.objects.filter(classroom=classroom, user=student).exists()
    assert Membership.objects.filter(classroom=classroom).count() == 2  # alice was in already; not re-added
    download = re.search(r'href="data:text/csv;base64,([A-Za-z0-9+/=]+)"', page).group(1)
    rows = list(csv.reader(io.StringIO(base64.b64decode(download).decode())))
    assert rows == [["username", "name", "password"], ["li.lei", "李雷", password]]


def test_the_export_has_a_column_per_step_and_the_times(course, classroom, instructor, alice, django_user_model):
    sneaky = django_user_model.objects.create_user("eve", first_name='=HYPERLINK("x")')
    Membership.objects.create(classroom=classroom, user=sneaky)
    at = timezone.now().replace(microsecond=0)
    StepProgress.objects.create(user=alice, lesson_slug="steps", step_id="look", passed=True, passed_at=at)
    StepProgress.objects.create(user=alice, lesson_slug="steps", step_id="hello", passed=False, attempts=3)
    response = client_for(instructor).get(f"/classroom/{classroom.pk}/progress.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="docker-101-progress-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["username", "name", "steps passed", "steps/hello", "steps/look"]
    assert rows[1] == ["alice", "alice", "1", "", timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")]
    assert rows[2] == ["eve", '\'=HYPERLINK("x")', "0", "", ""]
