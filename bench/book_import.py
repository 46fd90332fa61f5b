"""Importing a book: a generated book of 200 pages in Chinese, holding every
construct the importer knows (books/tests/generated_book.py), imported into a
fresh database, then again unchanged (as `import_book` runs after a `git
pull` of a book that did not change). Median of 3 runs (smoke: 1). No Docker.

    .venv/bin/python bench/book_import.py [--smoke]
"""

import os
import tempfile
import time
from pathlib import Path

import harness  # puts the project on sys.path
from harness import Result, format_table, log, median

TITLE = "Importing a book"


def measure(runs: int) -> list[Result]:
    from django.core.management import call_command

    from books.services import import_book
    from books.tests.generated_book import PAGES, generated_book

    call_command("migrate", verbosity=0, interactive=False)
    first, again = [], []
    for run in range(runs):
        with tempfile.TemporaryDirectory(prefix="dockyard-book-") as folder:
            root = generated_book(Path(folder) / "big")
            slug = f"big-{run}"
            began = time.perf_counter()
            import_book(root, slug=slug)
            first.append(time.perf_counter() - began)
            began = time.perf_counter()
            import_book(root, slug=slug)
            again.append(time.perf_counter() - began)
        log(f"run {run + 1}: first {first[-1]:.2f} s, again {again[-1]:.2f} s")
    name = f"a book of {PAGES} pages"
    return [
        Result(name, f"first import, median of {runs}", {"Dockyard": f"{median(first):.2f} s"}, "≤ 5 s"),
        Result(name, f"again, unchanged, median of {runs}", {"Dockyard": f"{median(again):.2f} s"}, "≤ 5 s"),
    ]


def main(smoke: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="dockyard-bench-") as data_dir:
        for name in ("DATABASE_URL", "REDIS_URL"):
            os.environ.pop(name, None)
        os.environ.update(DJANGO_SETTINGS_MODULE="tutorial.settings", DATA_DIR=data_dir, LOG_LEVEL="WARNING")
        import django

        django.setup()
        print(f"# {TITLE}\n", flush=True)
        print(format_table(measure(1 if smoke else 3)), flush=True)


if __name__ == "__main__":
    main(harness.arguments(__doc__).smoke)
