"""Prometheus metrics at ``/metrics``, without personal data: requests counted and timed
by method, route *template* (``/children/{cp_id}``, never an ID) and status; and gauges
read from the database on each scrape (``operations.queue_sizes``): feed runs per source
and status, open review tasks, e-mails waiting, contact requests not passed on.

Each worker process keeps its own request counters (``contactpoint serve --workers N``
serves N sets, one per process, answered by whichever process takes the scrape): run
one worker per container and scrape each, or sum over a short window. The gauges come
from the database, so every process reports the same values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from contactpoint import db
from contactpoint.operations import queue_sizes

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "contactpoint_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ("method", "route", "status"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "contactpoint_http_request_duration_seconds",
    "Time taken to answer, by method and route template.",
    ("method", "route"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


def observe(method: str, route: str, status: int, seconds: float) -> None:
    """Count and time one request (``route`` is the template, never the path)."""
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


class QueueCollector(Collector):
    """Gauges read from the database when scraped."""

    def collect(self) -> Iterator[Metric]:
        try:
            with db.unit_of_work() as session:
                sizes = queue_sizes(session)
        except SQLAlchemyError as error:
            # The class only: a driver's message can name hosts and users.
            log.warning("metrics: the database cannot be read (%s)", type(error).__name__)
            up = GaugeMetricFamily("contactpoint_database_up", "The database answered.")
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily("contactpoint_database_up", "The database answered.")
        up.add_metric([], 1)
        yield up
        runs = GaugeMetricFamily(
            "contactpoint_feed_runs", "Feed runs loaded, by source and status.",
            labels=("source", "status"),
        )  # fmt: skip
        for (source, status), count in sorted(sizes.feed_runs.items()):
            runs.add_metric([source, status], count)
        yield runs
        for name, documentation, value in (
            ("contactpoint_review_tasks_open", "Review tasks waiting for a data manager.",
             sizes.open_review_tasks),
            ("contactpoint_emails_pending", "E-mails in the outbox not yet sent.",
             sizes.emails_pending),
            ("contactpoint_contact_requests_open", "Contact requests not yet passed on.",
             sizes.open_contact_requests),
        ):  # fmt: skip
            yield GaugeMetricFamily(name, documentation, value=value)


REGISTRY.register(QueueCollector())


def exposition() -> bytes:
    """Every metric in Prometheus's text format."""
    return generate_latest(REGISTRY)
