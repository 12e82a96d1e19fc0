"""Notifying a user: the inbox row and, in the same transaction, the e-mail in the
outbox; reading the inbox and marking it read. Nothing here commits and nothing here
sends: ``notify.sender`` delivers the outbox after the caller's unit of work commits, so
an e-mail exists exactly when its notification does."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from contactpoint.errors import InvalidValue, NotFound, Refused
from contactpoint.notify.message import email_text, new_message_id, valid_address, valid_link
from contactpoint.settings import get_settings
from contactpoint.tables.access import User
from contactpoint.tables.notify import EmailStatus, Notification, OutboxEmail

INBOX_SIZE = 50


class NotificationRefused(Refused):
    """A change to a notification that is not the user's to make."""


def notify(
    session: Session,
    user: User,
    kind: str,
    subject: str,
    body: str,
    link: str | None = None,
    email: bool = True,
) -> Notification:
    """Put a notification in ``user``'s inbox and, when ``email`` is wanted and the user
    has an address, an e-mail in the outbox. The e-mail says only what kind of
    notification waits and links to ``link``: ``subject`` and ``body`` stay in the inbox.
    Refused, with nothing written, for an address that is not one."""
    if not kind.strip() or len(kind) > 40:
        raise InvalidValue("kind", kind, "name the kind of notification (at most 40 characters)")
    if not subject.strip() or len(subject) > 200 or "\n" in subject or "\r" in subject:
        raise InvalidValue("subject", "", "give a one-line subject (at most 200 characters)")
    if link is not None and not valid_link(link):
        raise InvalidValue("link", link, "must be a path within the service, such as /children/…")
    address = user.email.strip() if email and user.email else ""
    if address and not valid_address(address):
        raise InvalidValue(
            "email",
            "",
            f"{user.username}'s e-mail address is not valid, so nothing was sent: correct it"
            " in their account (an address such as name@council.gov.uk)",
        )
    notification = Notification(user_id=user.id, kind=kind, subject=subject, body=body, link=link)
    session.add(notification)
    session.flush()
    if address:
        email_subject, email_body = email_text(kind, link, get_settings().service_url)
        _queue(session, address, email_subject, email_body, notification.id)
    return notification


def notify_grouped(
    session: Session,
    user: User,
    kind: str,
    group: str,
    subject: str,
    line: str,
    link: str | None = None,
    email: bool = True,
) -> bool:
    """``line`` added to ``user``'s notification of ``group`` (shown unread again, its
    subject counting the lines), or a new one holding it — e-mailed, when ``email``, only
    then: one e-mail a group. True when it is new."""
    held = session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id, Notification.group_key == group)
        .with_for_update()
    ).first()
    if held is None:
        notify(session, user, kind, subject, line, link, email).group_key = group
        session.flush()
        return True
    lines = held.body.count("\n") + 2
    held.body = f"{held.body}\n{line}"
    held.subject = f"{subject} ({lines} today)"[:200]
    held.read_at = None
    session.flush()
    return False


def email_only(session: Session, address: str, kind: str, link: str | None = None) -> None:
    """An e-mail to someone without an account here (a practitioner known only from a
    feed, an authority's duty inbox): what kind of notification and the service's
    address, nothing more — not even the link to the child it is about, whose path
    would carry the child's ContactPoint ID to someone who may never sign in. Refused,
    with nothing written, for an address that is not one."""
    address = address.strip()
    if not valid_address(address):
        raise InvalidValue("email", "", "is not a valid e-mail address, so nothing was sent")
    if link is not None and not valid_link(link):
        raise InvalidValue("link", link, "must be a path within the service, such as /children/…")
    subject, body = email_text(kind, None, get_settings().service_url)
    _queue(session, address, subject, body)


def email_text_as_given(session: Session, address: str, subject: str, body: str) -> None:
    """An e-mail whose text is itself the message (an audit checkpoint): the caller
    vouches it holds no personal data. Refused for an address that is not one."""
    address = address.strip()
    if not valid_address(address):
        raise InvalidValue("email", "", "is not a valid e-mail address, so nothing was sent")
    _queue(session, address, subject, body)


def _queue(
    session: Session, address: str, subject: str, body: str, notification_id: int | None = None
) -> None:
    """Put one e-mail in the outbox, for ``notify.sender`` after the caller commits."""
    session.add(
        OutboxEmail(
            notification_id=notification_id,
            to_address=address,
            subject=subject,
            body=body,
            message_id=new_message_id(),
            status=EmailStatus.PENDING,
            attempts=0,
        )
    )
    session.flush()


def inbox(session: Session, user: User, limit: int = INBOX_SIZE) -> list[Notification]:
    """``user``'s notifications, newest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, user: User) -> int:
    """How many of ``user``'s notifications are unread."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, user: User, notification_id: int) -> Notification:
    """Mark one of ``user``'s own notifications read (once: the first reading stays)."""
    found = session.get(Notification, notification_id)
    if found is None:
        raise NotFound(f"no notification {notification_id}")
    if found.user_id != user.id:
        raise NotificationRefused(
            f"notification {notification_id} is someone else's: you can mark only your own"
            " notifications read"
        )
    if found.read_at is None:
        session.execute(
            update(Notification)
            .where(Notification.id == found.id, Notification.read_at.is_(None))
            .values(read_at=func.now())
        )
        session.refresh(found)
    return found
