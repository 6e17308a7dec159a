"""The field defaults casework/migrations/0007_mdt_panels names, kept so that it still loads.

The MDT's models moved to the mdt app (mdt/models.py, which has its own copies of these); this
module defines no model, and nothing but that migration imports it.
"""

import datetime

from django.conf import settings


def default_meeting_time() -> datetime.time:
    return datetime.time.fromisoformat(settings.MDT_MEETING_TIME)


def default_meeting_weekday() -> int:
    return settings.MDT_MEETING_WEEKDAY
