"""Prometheus metrics of this process (prometheus-client), served at /metrics
(tutorial/operations.py). Defined here, at the bottom of the layers, so that
sandbox and lessons can count without knowing who reads the numbers.

Each app process has its own numbers (label them by instance in Prometheus);
sandboxes by status are read from the database at scrape time.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

SANDBOX_STARTS = Histogram(
    "dockyard_sandbox_start_seconds",
    "Time to start (or find running) a student's sandbox, by outcome.",
    ["outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
    registry=REGISTRY,
)
CHECK_SECONDS = Histogram(
    "dockyard_check_seconds",
    "Time to run one lesson step's check in a sandbox, by result.",
    ["result"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
    registry=REGISTRY,
)
TERMINALS_OPEN = Gauge(
    "dockyard_terminals_open", "Terminal websockets open in this process, by kind.", ["kind"], registry=REGISTRY
)
ERRORS = Counter(
    "dockyard_sandbox_errors_total",
    "Sandbox errors shown to students, by code (full, no-engine, host-setup, ...).",
    ["code"],
    registry=REGISTRY,
)
