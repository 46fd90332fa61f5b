from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from books.services import BookImportError, import_book


class Command(BaseCommand):
    help = "Import a GitBook-style book (SUMMARY.md + Markdown files) as a browsable course."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The book's directory (the one holding SUMMARY.md).")
        parser.add_argument("--slug", help="The book's URL name (default: from the directory name).")
        parser.add_argument(
            "--language",
            choices=[code for code, _ in settings.LANGUAGES],
            help=f"The book's language (default: book.json's, else LANGUAGE_CODE, {settings.LANGUAGE_CODE}).",
        )
        parser.add_argument("--title", help="The book's title (default: book.json's, else README.md's first heading).")

    def handle(self, *args, **options):
        try:
            report = import_book(
                options["path"], slug=options["slug"], language=options["language"], title=options["title"]
            )
        except BookImportError as exc:
            problems = "\n".join(f"  {error}" for error in exc.errors)
            raise CommandError(f"Nothing was imported; fix these first:\n{problems}") from exc
        verbose = options["verbosity"] >= 2
        if verbose:
            for slug in report.created:
                self.stdout.write(f"  created {slug}", self.style.SUCCESS)
        for slug in report.updated:
            self.stdout.write(f"  updated {slug}")
        for slug in report.removed:
            self.stdout.write(f"  removed {slug}", self.style.WARNING)
        self.stdout.write(report.summary())
        if verbose:
            self._list("Templates (Run puts them at the prompt without Enter)", report.blocks.templates)
            self._list("Dockerfiles (Save as Dockerfile writes them to)", report.blocks.dockerfiles)
        for _, label, warnings in report.warnings_by_kind():
            self.stdout.write(f"{label[0].upper()}{label[1:]} ({len(warnings)}):", self.style.WARNING)
            for warning in warnings:
                self.stdout.write(f"  {warning}")
        self.stdout.write(f"Read it at {report.book.get_absolute_url()}")

    def _list(self, heading, items):
        if items:
            self.stdout.write(f"{heading}:")
            for page, text in items:
                self.stdout.write(f"  {page}: {text}")
