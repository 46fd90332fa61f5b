from django.db import models
from django.urls import reverse


class Book(models.Model):
    """A GitBook-style book imported by `manage.py import_book`.

    The book's files are the source of truth; a re-import rewrites these rows.
    """

    slug = models.SlugField(max_length=63, unique=True)
    title = models.CharField(max_length=200)
    language = models.CharField(max_length=16)
    source_path = models.CharField(max_length=1000, help_text="The directory it was imported from.")
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "slug"]

    def __str__(self):
        return self.slug

    def get_absolute_url(self):
        return reverse("books:toc", args=[self.slug])

    def first_page(self):
        return self.pages.order_by("order").first()


class BookPage(models.Model):
    """One entry of the book's SUMMARY.md: a chapter (depth 0) or a section."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="pages")
    slug = models.SlugField(max_length=100, help_text="From the file's path in the book.")
    title = models.CharField(max_length=300)
    order = models.IntegerField(help_text="Position in reading order, from 0.")
    depth = models.PositiveSmallIntegerField(help_text="0 for a chapter, 1 for its sections, ...")
    part = models.CharField(max_length=200, blank=True, help_text="The SUMMARY.md heading it comes under.")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    source_path = models.CharField(max_length=1000, help_text="Relative to the book's directory.")
    html = models.TextField(help_text="Rendered and sanitized.")
    toc = models.JSONField(default=list, help_text="[{level, id, text}, ...]")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["book", "order"]
        constraints = [
            models.UniqueConstraint(fields=["book", "slug"], name="bookpage_unique_book_slug"),
        ]

    def __str__(self):
        return f"{self.book.slug}/{self.slug}"

    def get_absolute_url(self):
        return reverse("books:page", args=[self.book.slug, self.slug])

    @property
    def has_own_title(self):
        """The file opens with its own heading, rendered as the page's only <h1> (books.markup.one_title)."""
        return "<h1" in self.html

    @property
    def has_diagrams(self):
        return '<pre class="mermaid">' in self.html

    def get_previous(self):
        return self.book.pages.filter(order__lt=self.order).order_by("-order").first()

    def get_next(self):
        return self.book.pages.filter(order__gt=self.order).order_by("order").first()


class BookImage(models.Model):
    """An image file copied from the book; only these are ever served."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="images")
    name = models.CharField(max_length=80, help_text="<sha256>.<extension>, its file name on disk.")
    source_path = models.CharField(max_length=1000, help_text="Where the book keeps it.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["book", "name"], name="bookimage_unique_book_name"),
        ]

    def __str__(self):
        return f"{self.book.slug}/{self.source_path}"
