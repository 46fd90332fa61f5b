"""The import ends with a summary a teacher can act on: pages, images, what Run
and Save do, and every warning, grouped by kind."""

from django.core.management import call_command

from books.services import import_book
from books.tests.helpers import FIXTURE_BOOK

SUMMARY = """\
Book 'tiny' (en, from book.json): 11 pages (11 created, 0 updated, 0 removed, 0 unchanged); 3 images.
  Run: 12 blocks, 20 commands, of which 3 templates (put at the prompt without Enter).
  Save as Dockerfile: 3 buildable Dockerfiles; 3 Dockerfile fragments (Copy only).
  Diagrams: 3.
  Warnings: 5 (image files that are not what they say: 2; links shown as plain text: 1; HTML left out of the page: 2)."""


def test_the_summary_counts_what_the_book_holds(db, data_dir):
    report = import_book(FIXTURE_BOOK, slug="tiny")
    assert report.summary() == SUMMARY
    assert report.blocks.templates == [
        ("basics/stop.md", "docker stop <CONTAINER_ID>"),
        ("basics/stop.md", "docker stop 容器名或ID"),
        ("basics/stop.md", "docker image rm [选项] <镜像1> [<镜像2> ...]"),
    ]


def test_a_second_import_counts_the_same_and_changes_nothing(db, data_dir):
    import_book(FIXTURE_BOOK, slug="tiny")
    again = import_book(FIXTURE_BOOK, slug="tiny").summary()
    assert again == SUMMARY.replace(
        "(11 created, 0 updated, 0 removed, 0 unchanged)", "(0 created, 0 updated, 0 removed, 11 unchanged)"
    )


def test_the_command_prints_the_summary_then_each_warning_under_its_kind(db, data_dir, capsys):
    call_command("import_book", str(FIXTURE_BOOK), "--slug", "tiny")
    out = capsys.readouterr().out
    assert (
        out
        == SUMMARY
        + """
Image files that are not what they say (2):
  README.md: image '_images/cover.jpg' (_images/cover.jpg) holds PNG data, not what .jpg says; served as PNG
  layers/README.md: image '../_images/broken.png' (_images/broken.png) is not an image but an HTML page; left out, its alt text shown
Links shown as plain text (1):
  basics/run.md: link 'notes.md' is to basics/notes.md, which is not a page of the book; shown as plain text
HTML left out of the page (2):
  basics/run.md: HTML not allowed on a page, left out: <script>
  layers/README.md: HTML not allowed on a page, left out: <font>, <iframe>
Read it at /books/tiny/
"""
    )


def test_verbose_lists_pages_templates_and_where_dockerfiles_go(db, data_dir, capsys):
    call_command("import_book", str(FIXTURE_BOOK), "--slug", "tiny", "--verbosity", "2")
    out = capsys.readouterr().out
    assert "  created basics-stop\n" in out
    assert (
        "Templates (Run puts them at the prompt without Enter):\n  basics/stop.md: docker stop <CONTAINER_ID>\n" in out
    )
    assert (
        "Dockerfiles (Save as Dockerfile writes them to):\n"
        "  build/dockerfile.md: ~/book-build-dockerfile/Dockerfile\n"
        "  build/instructions.md: ~/book-build-instructions/Dockerfile\n"
        "  build/instructions.md: ~/book-build-instructions-2/Dockerfile\n"
    ) in out
