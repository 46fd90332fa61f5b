"""What an import did and found, worded for the teacher who ran it."""

from collections import defaultdict
from dataclasses import dataclass, field

from books.codeblocks import BlockStats

# Kinds of warning, in the order the summary lists them, with what to do about each.
WARNING_KINDS = {
    "image": "image files that are not what they say",
    "link": "links shown as plain text",
    "html": "HTML left out of the page",
    "book": "book settings",
}


@dataclass(frozen=True)
class ImportWarning:
    kind: str  # a key of WARNING_KINDS
    page: str  # the book file it is about ("" for the book as a whole)
    message: str

    def __str__(self):
        return f"{self.page}: {self.message}" if self.page else self.message


@dataclass
class ImportReport:
    book: object = None
    language_source: str = ""
    created: list = field(default_factory=list)  # page slugs
    updated: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    unchanged: int = 0
    images: int = 0
    warnings: list = field(default_factory=list)  # ImportWarning
    blocks: BlockStats = field(default_factory=BlockStats)

    @property
    def pages(self):
        return len(self.created) + len(self.updated) + self.unchanged

    def warnings_by_kind(self):
        grouped = defaultdict(list)
        for warning in self.warnings:
            grouped[warning.kind].append(warning)
        return [(kind, WARNING_KINDS[kind], grouped[kind]) for kind in WARNING_KINDS if grouped[kind]]

    def summary(self):
        """A few lines: pages, images, what the code blocks offer, warnings counted by kind."""
        b, book = self.blocks, self.book
        lines = [
            f"Book {book.slug!r} ({book.language}, from {self.language_source}): {self.pages} pages "
            f"({len(self.created)} created, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged); {self.images} images.",
            f"  Run: {b.runnable} blocks, {b.commands} commands, of which {len(b.templates)} templates "
            "(put at the prompt without Enter).",
            f"  Save as Dockerfile: {len(b.dockerfiles)} buildable Dockerfiles; "
            f"{b.fragments} Dockerfile fragments (Copy only).",
            f"  Diagrams: {b.diagrams}.",
        ]
        if self.warnings:
            counts = "; ".join(f"{label}: {len(items)}" for _, label, items in self.warnings_by_kind())
            lines.append(f"  Warnings: {len(self.warnings)} ({counts}).")
        else:
            lines.append("  Warnings: none.")
        return "\n".join(lines)
