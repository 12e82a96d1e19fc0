"""Every table of the service, imported in one place for migrations and tests."""

from contactpoint.access.models import (
    ApiToken,
    LoginSession,
    NationalPolicy,
    Organisation,
    User,
    UserRole,
)
from contactpoint.audit.models import AuditAlert, AuditEntry, AuditHead
from contactpoint.children.models import (
    Address,
    Carer,
    Child,
    ChildIdentifier,
    ChildName,
    IdentityChange,
    RetentionRun,
    SensitiveConsent,
    ServiceRegistration,
    SourceRecord,
)
from contactpoint.daily import DailyRun
from contactpoint.db import Base
from contactpoint.decommission.models import Decommission
from contactpoint.feeds.models import FeedControlEvent, FeedRun, FeedRunException, FeedSourceState
from contactpoint.linkage.models import (
    KeptApart,
    LinkEvent,
    MatchKey,
    MatchModelVersion,
    MatchRecordRow,
)
from contactpoint.notify.models import Notification, OutboxEmail
from contactpoint.review.models import Merge, ReviewTask
from contactpoint.signposting.models import (
    ContactEvent,
    ContactRequest,
    Involvement,
    Signal,
    SignalledPair,
    SignalMember,
    VulnerabilityFlag,
)
from contactpoint.stats import IndexSnapshot

__all__ = [
    "Address",
    "ApiToken",
    "AuditAlert",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Carer",
    "Child",
    "ChildIdentifier",
    "ChildName",
    "ContactEvent",
    "ContactRequest",
    "DailyRun",
    "Decommission",
    "FeedControlEvent",
    "FeedRun",
    "FeedRunException",
    "FeedSourceState",
    "IdentityChange",
    "IndexSnapshot",
    "Involvement",
    "KeptApart",
    "LinkEvent",
    "LoginSession",
    "MatchKey",
    "MatchModelVersion",
    "MatchRecordRow",
    "Merge",
    "NationalPolicy",
    "Notification",
    "Organisation",
    "OutboxEmail",
    "RetentionRun",
    "ReviewTask",
    "SensitiveConsent",
    "ServiceRegistration",
    "Signal",
    "SignalMember",
    "SignalledPair",
    "SourceRecord",
    "User",
    "UserRole",
    "VulnerabilityFlag",
]
