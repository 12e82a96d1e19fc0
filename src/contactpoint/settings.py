"""Configuration: one ``Settings`` read from ``CONTACTPOINT_*`` environment variables.

Built on first use (``get_settings()``), never at import, so tests and commands can set
the environment first.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of the service; each is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="CONTACTPOINT_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/contactpoint.db",
        description="SQLAlchemy URL of the database; PostgreSQL through psycopg 3.",
    )
    read_database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of a PostgreSQL streaming replica: searches and record"
        " views read the index there (their audit entries, and every write, go to the"
        " primary; a user's reads after their own change go to the primary until the"
        " replica has replayed it). Unset: everything on the primary.",
    )
    database_pool_size: int = Field(
        default=20,
        ge=1,
        description="PostgreSQL connections each process keeps open (each request being"
        " served holds one; up to 10 more are opened, and closed again, at peaks).",
    )
    var_dir: Path = Field(
        default=Path("var"),
        description="Where run-time files go: exception reports, the SQLite database.",
    )
    environment: Literal["development", "test", "production"] = Field(
        default="development",
        description="development, test or production; production refuses unsafe defaults"
        " and always marks cookies Secure and sends HSTS.",
    )
    match_link_threshold: float = Field(
        default=3.0,
        description="Match weight at or above which a record is linked automatically.",
    )
    match_review_threshold: float = Field(
        default=-3.0,
        description="Match weight at or above which (and below the link threshold) a data"
        " manager is asked to review the pair.",
    )
    match_margin: float = Field(
        default=5.0,
        ge=0,
        description="How far the best child must outscore a second strong child to be"
        " linked; closer than this and a data manager decides.",
    )
    session_idle_minutes: int = Field(
        default=15, ge=1, description="A signed-in session ends after this long unused."
    )
    session_absolute_hours: int = Field(
        default=8, ge=1, description="A session ends this long after sign-in, used or not."
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed passwords or codes in a row for one username from one source"
        " address after which that username pauses there: a minute, doubling with each"
        " further failure, up to login_lockout_minutes. Elsewhere its owner still signs in.",
    )
    login_source_max_failures: int = Field(
        default=100,
        ge=1,
        description="Failures from one source address, across any usernames, within"
        " login_lockout_minutes after which that address pauses for every username. An"
        " office behind one address shares it: set it above what its staff mistype.",
    )
    login_account_max_failures: int = Field(
        default=20,
        ge=1,
        description="Failures for one account from any addresses since its last sign-in"
        " after which the account pauses everywhere (many addresses guessing one account).",
    )
    searches_per_minute: int = Field(
        default=30,
        ge=1,
        description="Searches one user may make in a minute; beyond it a search is refused"
        " (429) and the auditors are alerted at once (harvesting the index).",
    )
    login_lockout_minutes: int = Field(
        default=15, ge=1, description="The longest pause after repeated failures."
    )
    vetting_valid_years: int = Field(
        default=3, ge=1, description="An enhanced DBS check counts for this many years."
    )
    certification_days: int = Field(
        default=365,
        ge=1,
        description="An account expires this many days after (re-)certification by its"
        " user administrator.",
    )
    argon2_memory_kib: int = Field(
        default=65536,
        ge=1024,
        description="Memory cost of argon2id password hashes (KiB); lower only in tests.",
    )
    argon2_time_cost: int = Field(
        default=3, ge=1, description="Passes of argon2id over that memory; lower only in tests."
    )
    secure_cookies: bool = Field(
        default=False,
        description="Mark cookies Secure and send HSTS (set when served over TLS; always in"
        " production).",
    )
    service_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address users reach the service at, for the links in e-mails.",
    )
    smtp_host: str = Field(
        default="127.0.0.1", description="The SMTP server (relay) that e-mails are sent through."
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="The SMTP server's port.")
    smtp_from: str = Field(
        default="ContactPoint <no-reply@contactpoint.invalid>",
        description="The From address of every e-mail.",
    )
    smtp_username: str | None = Field(
        default=None, description="User name for SMTP authentication; none: no login."
    )
    smtp_password: SecretStr | None = Field(
        default=None, description="Password for SMTP authentication."
    )
    smtp_starttls: bool = Field(
        default=False, description="Upgrade the SMTP connection with STARTTLS before sending."
    )
    smtp_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long to wait for the SMTP server at each step."
    )
    email_max_attempts: int = Field(
        default=12,
        ge=1,
        description="Delivery attempts after which an e-mail is given up as failed (with"
        " the backoff, 12 attempts span about seven hours).",
    )
    email_lease_seconds: int = Field(
        default=300,
        ge=10,
        description="How long a sender holds the e-mails it claimed; a sender killed"
        " mid-send leaves them to be sent again after this.",
    )
    audit_seal_interval_seconds: float = Field(
        default=0.25,
        ge=0,
        description="How often the web server seals the audit entries its requests have"
        " committed into the chain; 0: each request seals what is waiting after its commit"
        " (an extra short transaction per request).",
    )
    email_send_interval_seconds: int = Field(
        default=30,
        ge=0,
        description="How often the web server sends due e-mails in the background; 0: never"
        " (run 'contactpoint notify send' instead).",
    )
    involvement_active_days: int = Field(
        default=730,
        ge=1,
        description="How long a registered involvement stays active (renewable): 2 years.",
    )
    involvement_visible_days: int = Field(
        default=1826,
        ge=0,
        description="How long an ended or lapsed involvement stays visible to key"
        " professionals as a past involvement before it is purged: 5 years.",
    )
    involvement_reminder_days: int = Field(
        default=30,
        ge=1,
        description="How long before an involvement lapses its practitioner is reminded.",
    )
    flag_visible_days: int = Field(
        default=365,
        ge=0,
        description="How long a vulnerability flag stays visible after it ends: 12 months.",
    )
    signposting_housekeeping_hours: int = Field(
        default=24,
        ge=0,
        description="How often the web server runs signposting's housekeeping (reminding,"
        " lapsing and purging involvements): when it starts, then every this many hours;"
        " 0: never (run 'contactpoint signposting housekeeping' daily instead).",
    )
    retention_by_server: bool = Field(
        default=False,
        description="Whether the web server's daily jobs include retention (archiving and"
        " destroying records). Off by default: a server started on a fresh or restored"
        " database never archives or destroys before an operator has looked; run"
        " 'contactpoint retention run' daily from the scheduler, or switch this on for"
        " the live service.",
    )
    key_professional_cap: int = Field(
        default=10,
        ge=0,
        description="How many key professionals an organisation may name, unless its own"
        " cap is set.",
    )
    audit_volume_factor: float = Field(
        default=3.0,
        gt=1,
        description="A user's searches and views in a day are flagged above this many times"
        " the median of the other users active that day (and above the floor).",
    )
    audit_volume_floor: int = Field(
        default=50,
        ge=1,
        description="Searches and views in a day that are never flagged as volume, whatever"
        " the peers did.",
    )
    audit_outside_area_threshold: int = Field(
        default=5,
        ge=1,
        description="Children outside the user's own authority whose records one user opens"
        " in a day that are flagged (national partners' users are not).",
    )
    audit_shielded_threshold: int = Field(
        default=3,
        ge=1,
        description="Views of shielded records by one user in a day that are flagged.",
    )
    audit_same_child_threshold: int = Field(
        default=10,
        ge=2,
        description="Times one user opens the same child's record in a day that are flagged.",
    )
    audit_night_start_hour: int = Field(
        default=22, ge=0, le=23, description="Unusual hours start at this hour, UK time."
    )
    audit_night_end_hour: int = Field(
        default=6, ge=0, le=23, description="Unusual hours end at this hour, UK time."
    )
    audit_night_threshold: int = Field(
        default=3,
        ge=1,
        description="Searches and views by one user in a day's unusual hours that are flagged.",
    )
    audit_alerts: bool = Field(
        default=True,
        description="Whether the web server's daily jobs analyse the audit trail and alert"
        " auditors to new findings.",
    )
    audit_checkpoint_key: SecretStr | None = Field(
        default=None,
        description="The secret that signs the audit chain's daily checkpoints (HMAC-SHA256),"
        " held outside the database; none: checkpoints are unsigned.",
    )
    log_format: str = Field(
        default="text",
        pattern="^(text|json)$",
        description="text (development) or json: one JSON object a line, for log collectors.",
    )

    @model_validator(mode="after")
    def _production_is_secure(self) -> Settings:
        """In production cookies are Secure and HSTS is sent, whatever else is set."""
        if self.environment == "production":
            self.secure_cookies = True
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read from the environment on first use."""
    return Settings()
