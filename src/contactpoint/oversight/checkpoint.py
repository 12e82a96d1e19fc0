"""Checkpoints of the audit chain, held outside the database.

The sealed chain proves that no entry was altered, removed or reordered *within* it, but
someone with the database in their hands could delete the newest entries and wind the
head back: the shorter chain is still a chain. A checkpoint anchors it: the chain's
position and hash at a moment, signed (HMAC-SHA256 with ``audit_checkpoint_key``, a
secret the database does not hold), sent by e-mail to every auditor each day and
printed by ``contactpoint audit checkpoint``. ``contactpoint audit verify --checkpoint``
then proves that the chain still holds that very entry at that position: any entry up
to it removed, altered or re-sealed, or the head wound back before it, fails.

A checkpoint is one line of text with no personal data in it::

    contactpoint-audit-checkpoint/1 position=1234 hash=<hex> at=<UTC time> signature=<hex>

(``signature=unsigned`` when no key is configured: it still anchors the chain, but
anyone could have written it.)
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contactpoint.audit.actions import AuditAction
from contactpoint.audit.service import SYSTEM, record
from contactpoint.errors import Invalid
from contactpoint.notify.message import valid_address
from contactpoint.notify.service import email_text_as_given
from contactpoint.oversight.analytics import active_auditors
from contactpoint.settings import get_settings
from contactpoint.tables.audit import AuditEntry, AuditHead

FORMAT = "contactpoint-audit-checkpoint/1"
UNSIGNED = "unsigned"
_LINE = re.compile(
    rf"{re.escape(FORMAT)} position=(\d+) hash=([0-9a-f]{{64}}) at=(\S+)"
    rf" signature=([0-9a-f]{{64}}|{UNSIGNED})"
)


class CheckpointInvalid(Invalid):
    """Text that is not a checkpoint, or one this service did not sign."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    position: int
    hash: str
    at: datetime
    signature: str

    @property
    def line(self) -> str:
        return (
            f"{FORMAT} position={self.position} hash={self.hash}"
            f" at={self.at.isoformat()} signature={self.signature}"
        )


def _signature(position: int, chain_hash: str, at: datetime, key: str | None) -> str:
    if not key:
        return UNSIGNED
    message = f"{FORMAT}|{position}|{chain_hash}|{at.isoformat()}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _key() -> str | None:
    secret = get_settings().audit_checkpoint_key
    return secret.get_secret_value() if secret else None


def take(session: Session, now: datetime) -> Checkpoint | None:
    """The sealed chain's head now, signed; None while nothing is sealed. Seal first
    (``seal_pending``) to include what has been committed."""
    head = session.get(AuditHead, 1)
    if head is None or head.last_position == 0:
        return None
    at = now.astimezone(UTC).replace(microsecond=0)
    signature = _signature(head.last_position, head.last_hash, at, _key())
    return Checkpoint(head.last_position, head.last_hash, at, signature)


def parse(text: str) -> Checkpoint:
    """A checkpoint from its line (surrounding text, as in an e-mail, is ignored)."""
    found = _LINE.search(text)
    if found is None:
        raise CheckpointInvalid(
            f"no checkpoint found: expected a line starting '{FORMAT} position='"
        )
    position, chain_hash, at_text, signature = found.groups()
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError:
        raise CheckpointInvalid(f"the checkpoint's time '{at_text}' is not a time") from None
    return Checkpoint(int(position), chain_hash, at, signature)


def problem(session: Session, checkpoint: Checkpoint) -> str | None:
    """Why the chain in the database does not hold ``checkpoint`` (None: it does)."""
    key = _key()
    if key and not hmac.compare_digest(
        checkpoint.signature,
        _signature(checkpoint.position, checkpoint.hash, checkpoint.at, key),
    ):
        return "its signature does not fit: this service did not write it, or it was changed"
    head = session.get(AuditHead, 1)
    if head is None or head.last_position < checkpoint.position:
        last = head.last_position if head else 0
        return (
            f"the chain ends at position {last}, before the checkpoint's {checkpoint.position}:"
            " entries were removed"
        )
    held = session.scalar(select(AuditEntry.hash).where(AuditEntry.position == checkpoint.position))
    if held is None:
        return f"the chain holds no entry at position {checkpoint.position}: it was removed"
    if held != checkpoint.hash:
        return (
            f"the entry at position {checkpoint.position} is not the one checkpointed:"
            " the chain up to it was altered and sealed again"
        )
    return None


def send_to_auditors(session: Session, checkpoint: Checkpoint) -> int:
    """E-mail the checkpoint to every active auditor with a valid address (the e-mail
    is the copy outside the database) and audit that it was sent; how many were sent."""
    addresses = sorted(
        {
            a.email.strip()
            for a in active_auditors(session)
            if a.email and valid_address(a.email.strip())
        }
    )
    subject = f"ContactPoint audit checkpoint {checkpoint.at:%d %B %Y}"
    body = (
        "Keep this e-mail: it records where the audit trail stood, so that no entry up to\n"
        "this point can later be removed or altered unnoticed.\n"
        "\n"
        f"{checkpoint.line}\n"
        "\n"
        "To check the audit trail against it, run:\n"
        f'contactpoint audit verify --checkpoint "{checkpoint.line}"\n'
        "\n"
        "This e-mail holds no details of any child or user.\n"
        "Do not reply to this e-mail.\n"
    )
    for address in addresses:
        email_text_as_given(session, address, subject, body)
    record(
        session, SYSTEM, AuditAction.AUDIT_CHECKPOINT,
        details={"position": checkpoint.position, "hash": checkpoint.hash,
                 "signed": checkpoint.signature != UNSIGNED, "auditors": len(addresses)},
    )  # fmt: skip
    session.flush()
    return len(addresses)
