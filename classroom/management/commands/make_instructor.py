"""Give an account the instructor role (or take it away)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from classroom.roles import INSTRUCTORS, make_instructor, remove_instructor


class Command(BaseCommand):
    help = f"Put a user in the {INSTRUCTORS} group: they create and run their own classes."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--remove", action="store_true", help="take the role away instead")

    def handle(self, *args, username, remove, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}. Create it first (e.g. with the sign-up page).")
        if remove:
            remove_instructor(user)
            self.stdout.write(f"{username} is no longer an instructor.")
        else:
            make_instructor(user)
            self.stdout.write(self.style.SUCCESS(f"{username} is an instructor: classes at /classroom/."))
