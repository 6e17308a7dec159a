"""Referral settings, each with the default the embedded quick start uses.

Set them in casework/settings.py (or the environment, through it) to change them:

REFERRAL_INTAKE_WORKING_DAYS   working days to a screening decision (default: the intake stage
                               limit in STAGE_TIME_LIMITS, 2)
REFERRAL_ACKNOWLEDGEMENT       what an acknowledgement to the referrer may say:
                               "received" (only that it arrived, the default), "reviewed" (also
                               that intake has looked at it), "outcome" (also, in general words,
                               whether the service will offer support); "off" disables it
REFERRAL_IMMEDIATE_RISK_MINUTES  minutes an immediate-risk referral may wait for screening before
                               it escalates to the intake lead and the duty supervisor (30);
                               other referrals escalate when their decision is overdue
REFERRAL_DUTY_TEAM             the team whose supervisors are the duty supervisors (its name);
                               empty (the default): the supervisors of every team
PUBLIC_FORM_RATE_LIMIT         (submissions, seconds) allowed from one address per public form
BIAS_REPORT_NEIGHBOURHOODS     the neighbourhoods a bias report may name (never an address)
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

ACKNOWLEDGEMENT_LEVELS = ("off", "received", "reviewed", "outcome")

DEFAULT_NEIGHBOURHOODS = (
    "Downtown", "Eastside", "Harbor", "Northside", "Old Town", "Riverside", "Southside",
    "University District", "Westside",
)

# Cells below this are shown as "<5" on the bias-incident landscape.
LANDSCAPE_SMALL_CELL = 5


def intake_working_days() -> int:
    default = settings.STAGE_TIME_LIMITS.get("intake", 2)
    return int(getattr(settings, "REFERRAL_INTAKE_WORKING_DAYS", default))


def immediate_risk_minutes() -> int:
    return int(getattr(settings, "REFERRAL_IMMEDIATE_RISK_MINUTES", 30))


def duty_team() -> str:
    return getattr(settings, "REFERRAL_DUTY_TEAM", "")


def acknowledgement_level() -> str:
    level = getattr(settings, "REFERRAL_ACKNOWLEDGEMENT", "received")
    return level if level in ACKNOWLEDGEMENT_LEVELS else "received"


def public_rate_limit() -> tuple[int, int]:
    count, seconds = getattr(settings, "PUBLIC_FORM_RATE_LIMIT", (10, 3600))
    return int(count), int(seconds)


def neighbourhood_choices() -> list[tuple[str, str]]:
    names = getattr(settings, "BIAS_REPORT_NEIGHBOURHOODS", DEFAULT_NEIGHBOURHOODS)
    return [(name, name) for name in names] + [
        ("online", _("Online")),
        ("elsewhere", _("Somewhere else, or I would rather not say")),
    ]
