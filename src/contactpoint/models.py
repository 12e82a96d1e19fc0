"""Every table of the service, imported in one place for migrations and tests."""

from contactpoint.children.models import (
    Address,
    Carer,
    Child,
    ChildIdentifier,
    ChildName,
    ServiceRegistration,
    SourceRecord,
)
from contactpoint.db import Base
from contactpoint.feeds.models import FeedControlEvent, FeedRun, FeedRunException, FeedSourceState
from contactpoint.linkage.models import (
    KeptApart,
    LinkEvent,
    MatchKey,
    MatchModelVersion,
    MatchRecordRow,
)
from contactpoint.review.models import Merge, ReviewTask

__all__ = [
    "Address",
    "Base",
    "Carer",
    "Child",
    "ChildIdentifier",
    "ChildName",
    "FeedControlEvent",
    "FeedRun",
    "FeedRunException",
    "FeedSourceState",
    "KeptApart",
    "LinkEvent",
    "MatchKey",
    "MatchModelVersion",
    "MatchRecordRow",
    "Merge",
    "ReviewTask",
    "ServiceRegistration",
    "SourceRecord",
]
