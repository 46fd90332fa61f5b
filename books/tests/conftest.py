from books.tests.helpers import book, data_dir  # noqa: F401 (fixtures)
