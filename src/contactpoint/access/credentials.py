"""Passwords (argon2id, length rules, a blocklist of common and guessable passwords),
TOTP codes (RFC 6238, each accepted once) and random tokens, of which only hashes are
kept."""

from __future__ import annotations

import hashlib
import secrets
import time

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn  # type: ignore[import-untyped]  # no type hints shipped

from contactpoint.errors import InvalidValue
from contactpoint.settings import get_settings

MIN_PASSWORD = 12
MAX_PASSWORD = 128
# zxcvbn's estimate: 3 is "safely unguessable: moderate protection from offline attacks".
MIN_STRENGTH = 3
ISSUER = "ContactPoint"
# Digits in an authenticator code (pyotp.TOTP's default; what authenticator apps show).
CODE_DIGITS = 6


def _hasher() -> PasswordHasher:
    """argon2id with the configured costs (the defaults are RFC 9106's low-memory choice)."""
    settings = get_settings()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
    )


def check_password_rules(password: str, *, user_inputs: tuple[str, ...] = ()) -> None:
    """Refuse (``InvalidValue``, never echoing the password) a password that is too
    short, too long, or common or guessable (zxcvbn matches it against lists of the most
    used passwords, names and words, and against the user's own name and username)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidValue("password", "", f"use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidValue("password", "", f"use at most {MAX_PASSWORD} characters")
    verdict = zxcvbn(password, user_inputs=[value for value in user_inputs if value])
    if verdict["score"] < MIN_STRENGTH:
        hint = verdict["feedback"].get("warning") or "it is too easy to guess"
        raise InvalidValue("password", "", f"choose another: {hint.rstrip('.').lower()}")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with other costs than the configured ones."""
    return _hasher().check_needs_rehash(stored_hash)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one hashed; a missing hash matches nothing (and costs
    the same time, so response times do not tell which usernames exist)."""
    hasher = _hasher()
    if stored_hash is None:
        hasher.hash(password)
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def totp_qr_svg(secret: str, username: str) -> str:
    """The enrolment QR code as inline SVG (no image requests, no JavaScript)."""
    return str(
        segno.make(totp_uri(secret, username), error="m").svg_inline(scale=4, title="QR code")
    )


def current_totp(secret: str, at: float | None = None) -> str:
    """The code an authenticator shows now (for the demo and tests)."""
    return pyotp.TOTP(secret).at(at if at is not None else time.time())


def code_digits(code: str) -> str | None:
    """The code's digits, spaces taken out, if it is six ASCII digits at all (a
    full-width digit is no code, and would not compare); else None."""
    digits = code.strip().replace(" ", "")
    if digits.isascii() and digits.isdigit() and len(digits) == CODE_DIGITS:
        return digits
    return None


def totp_step(secret: str, code: str, last_step: int | None, at: float | None = None) -> int | None:
    """The time step ``code`` belongs to (this one or either neighbour, for clock drift),
    or None when the code is wrong or its step was already used (a replay)."""
    moment = at if at is not None else time.time()
    totp = pyotp.TOTP(secret)
    digits = code_digits(code)
    if digits is None:
        return None
    now = int(moment // totp.interval)
    for step in (now, now - 1, now + 1):
        if secrets.compare_digest(totp.generate_otp(step), digits):
            return step if last_step is None or step > last_step else None
    return None


def new_token() -> str:
    """A random secret for a session cookie or API token (256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
