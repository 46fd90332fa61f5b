from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox"

    def ready(self):
        from sandbox import signals  # noqa: F401  (connects the logout handler)
