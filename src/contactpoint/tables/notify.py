"""The in-app inbox (``notifications``) and the transactional e-mail outbox
(``email_outbox``): a notification and its e-mail are written in the same transaction;
a sender delivers the e-mail afterwards (``notify.sender``)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from contactpoint.db import Base, str_enum


class EmailStatus(enum.StrEnum):
    PENDING = "pending"
    # Claimed by a sender until ``claimed_until``; after that any sender may take it.
    SENDING = "sending"
    SENT = "sent"
    # Refused permanently by the SMTP server, or out of attempts.
    FAILED = "failed"


class Notification(Base):
    """One message in a user's inbox: a signal, a reminder or an alert."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    # What it is about, in a word: "match_signal", "reminder", "contact_alert".
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    # What the inbox shows, to the signed-in user only; never e-mailed.
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # Where to act, relative to the service: /children/CP-….
    link: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Notifications of one group are one message, each new one a line added to it (the
    # contact alerts about one outsider on one day, say): ``notify.service.notify_grouped``.
    group_key: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
        Index("ix_notifications_user_id_group_key", "user_id", "group_key"),
    )


class OutboxEmail(Base):
    """An e-mail waiting to be sent, being sent, sent or given up. Its text holds no
    child's details: the recipient signs in to see them."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    to_address: Mapped[str] = mapped_column(String(254), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # Made once with the row and sent with every attempt, so that the receiving side
    # can recognise a second delivery of the same e-mail.
    message_id: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    status: Mapped[EmailStatus] = mapped_column(
        str_enum(EmailStatus, "email_status"), nullable=False, default=EmailStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The SMTP error's class and code only ("SMTPRecipientsRefused 550"): no address.
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_email_outbox_status_next_attempt_at", "status", "next_attempt_at"),)
