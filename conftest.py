"""The project's pytest plugin: fixtures and helpers live in tutorial.testing."""

pytest_plugins = ["tutorial.testing.fixtures"]
