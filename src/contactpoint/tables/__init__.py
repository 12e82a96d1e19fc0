"""Every table of the service, one module for each package whose rows it holds, all
imported here for migrations and tests. Below every domain package: tables carry no
behaviour, so a use case reading another package's rows depends on no code of it."""

from contactpoint.db import Base
from contactpoint.tables.access import (
    ApiToken,
    LoginSession,
    NationalPolicy,
    Organisation,
    User,
    UserRole,
)
from contactpoint.tables.audit import AuditAlert, AuditEntry, AuditHead
from contactpoint.tables.children import (
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
from contactpoint.tables.daily import DailyRun
from contactpoint.tables.decommission import Decommission
from contactpoint.tables.feeds import FeedControlEvent, FeedRun, FeedRunException, FeedSourceState
from contactpoint.tables.linkage import (
    KeptApart,
    LinkEvent,
    MatchKey,
    MatchModelVersion,
    MatchRecordRow,
)
from contactpoint.tables.notify import Notification, OutboxEmail
from contactpoint.tables.review import Merge, ReviewTask
from contactpoint.tables.signposting import (
    ContactEvent,
    ContactRequest,
    Involvement,
    Signal,
    SignalledPair,
    SignalMember,
    VulnerabilityFlag,
)
from contactpoint.tables.stats import IndexSnapshot

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
