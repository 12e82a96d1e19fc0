"""The web server's background work: sending due e-mails from the outbox every
``email_send_interval_seconds`` (0: never), in a worker thread so that a slow SMTP server
never holds up a request. Each worker process runs its own sender; they never send the
same e-mail at once (``notify.sender`` claims each e-mail for one of them)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI

from contactpoint import db
from contactpoint.notify.sender import SmtpSettings, send_due
from contactpoint.settings import get_settings

log = logging.getLogger(__name__)


@asynccontextmanager
async def email_sender(_app: FastAPI) -> AsyncIterator[None]:
    """The application's lifespan: the sender runs while the application does."""
    interval = get_settings().email_send_interval_seconds
    if interval <= 0:
        yield
        return
    task = asyncio.create_task(_send_every(interval), name="email-sender")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def _send_every(interval: float) -> None:
    while True:
        try:
            await asyncio.to_thread(_send_once)
        except Exception as error:  # the sender must outlive any one failure
            # The class only: a database error's text can hold the statement's values.
            log.error("the e-mail sender failed (%s); trying again later", type(error).__name__)
        await asyncio.sleep(interval)


def _send_once() -> None:
    send_due(db.get_engine(), SmtpSettings.from_settings(get_settings()))
