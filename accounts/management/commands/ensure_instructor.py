"""Make sure the classroom has an instructor account, and say how to log in."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db.models import Q

# The instructor role (tutorial.permissions): superusers, and holders of classroom.teach.
TEACH = {"codename": "teach", "content_type__app_label": "classroom"}
INSTRUCTORS = (
    Q(is_superuser=True)
    | Q(**{f"groups__permissions__{k}": v for k, v in TEACH.items()})
    | Q(**{f"user_permissions__{k}": v for k, v in TEACH.items()})
)


class Command(BaseCommand):
    help = "Create the first instructor account (a superuser) if none exists, and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="instructor")

    def handle(self, *args, username, **options):
        users = get_user_model()
        instructors = list(
            users.objects.filter(INSTRUCTORS, is_active=True).distinct().values_list("username", flat=True)
        )
        if instructors:
            self.stdout.write(
                f"Instructor account(s): {', '.join(instructors)}. "
                f"Forgot the password? python manage.py changepassword {instructors[0]}"
            )
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_user(username, password=password, is_staff=True, is_superuser=True)
        self.stdout.write(self.style.SUCCESS(f"Created instructor account: {username} / {password}"))
        self.stdout.write("(shown once; change it with: python manage.py changepassword " + username + ")")
