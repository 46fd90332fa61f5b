from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox"
    _runtime = None

    def ready(self):
        from sandbox import checks, signals  # noqa: F401  (system checks, the logout handler)
        from sandbox.event_log import EventLogListener
        from sandbox.events import listen
        from sandbox.metrics import MetricsListener

        listen(MetricsListener)  # open terminals, for /metrics
        listen(EventLogListener)  # one line per event in the server's log

    @property
    def runtime(self):
        """This process's SandboxRuntime, made on first use (after every app's ready())."""
        if self._runtime is None:
            from sandbox.runtime import SandboxRuntime

            self._runtime = SandboxRuntime()
        return self._runtime

    @runtime.setter
    def runtime(self, value):
        self._runtime = value
