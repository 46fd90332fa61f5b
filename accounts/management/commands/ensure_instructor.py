"""Make sure the classroom has an instructor account, and say how to log in."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the first instructor (staff) account if none exists, and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="instructor")

    def handle(self, *args, username, **options):
        users = get_user_model()
        staff = list(users.objects.filter(is_staff=True, is_active=True).values_list("username", flat=True))
        if staff:
            self.stdout.write(
                f"Instructor account(s): {', '.join(staff)}. "
                f"Forgot the password? python manage.py changepassword {staff[0]}"
            )
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_user(username, password=password, is_staff=True, is_superuser=True)
        self.stdout.write(self.style.SUCCESS(f"Created instructor account: {username} / {password}"))
        self.stdout.write("(shown once; change it with: python manage.py changepassword " + username + ")")
