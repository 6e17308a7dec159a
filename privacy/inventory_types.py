"""The vocabulary of the data inventory: categories, legal bases, retention rules, a record type."""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

CATEGORIES = ("personal", "special", "narrative", "operational", "reference")
CATEGORY_LABELS = {
    "personal": _("personal"),
    "special": _("special category"),
    "narrative": _("narrative"),
    "operational": _("operational"),
    "reference": _("reference"),
}


class Basis:
    """Legal bases (UK GDPR / GDPR Articles 6, 9 and 10), as a deployment's record states them."""

    CASE_BASIS = _(
        "Public task (Art. 6(1)(e)); special category and criminal-offence data under "
        "substantial public interest, safeguarding (Art. 9(2)(g), Art. 10)"
    )
    CONSENT = _(
        "Public task (Art. 6(1)(e)); sharing with a provider only under the person's recorded "
        "consent (Art. 6(1)(a), Art. 9(2)(a); 42 CFR Part 2 for substance-use records)"
    )
    STAFF = _("Legitimate interests and the employment contract (Art. 6(1)(b), (f))")
    AUDIT_BASIS = _("Legal obligation: accountability and security of processing (Art. 6(1)(c), "
                    "Art. 5(2), Art. 32)")
    OPS = _("Legitimate interests: running the service (Art. 6(1)(f)); no personal data intended")
    REFERENCE = _("Not personal data: reference and directory data")


def _case_rule() -> str:
    years = settings.RETENTION_CLOSED_CASE_YEARS
    return ngettext("%(years)s year after the case closes, then anonymised",
                    "%(years)s years after the case closes, then anonymised", years) % {
        "years": years}


def _referral_rule() -> str:
    months = settings.RETENTION_SCREENED_OUT_MONTHS
    return ngettext("%(months)s month after a referral is screened out, then anonymised; with "
                    "its case when it opened one",
                    "%(months)s months after a referral is screened out, then anonymised; with "
                    "its case when it opened one", months) % {"months": months}


def _bias_rule() -> str:
    years = settings.RETENTION_BIAS_REPORT_YEARS
    return ngettext("Anonymised %(years)s year after the report was received",
                    "Anonymised %(years)s years after the report was received", years) % {
        "years": years}


def _working_rule() -> str:
    days = settings.RETENTION_WORKING_DAYS
    return ngettext("%(days)s day after the work is done", "%(days)s days after the work is done",
                    days) % {"days": days}


def _working_kept_rule() -> str:
    return gettext("While the work is current (kept so nothing is sent twice)")


class Retention:
    """Retention rules per record type. The rules with a number in them read it from the
    settings privacy/schedule.py applies (RETENTION_*), so the record of processing and the
    nightly job cannot disagree; docs/privacy.md has the defaults."""

    CASE = lazy(_case_rule, str)()
    REFERRAL = lazy(_referral_rule, str)()
    BIAS = lazy(_bias_rule, str)()
    AUDIT = _("7 years; older entries purged only with two auditors' approval "
              "(audit.RetentionPurge)")
    STAFF = _("While the account is active, then 1 year")
    WORKING = lazy(_working_rule, str)()
    # Working records whose rows stop work happening twice (reminders sent, outbox keys).
    WORKING_KEPT = lazy(_working_kept_rule, str)()
    REFERENCE = _("While current; no personal data")
    SESSION = _("Until it expires (SESSION_COOKIE_AGE)")
    SECURITY = _("Until the lock-out expires (AXES_COOLOFF_TIME); access logs 1 year")


@dataclass(frozen=True)
class Record:
    """One record type: why it is held, on what basis, for how long, and its fields by category."""

    purpose: str
    basis: str
    retention: str
    personal: tuple = field(default=())
    special: tuple = field(default=())
    narrative: tuple = field(default=())
    operational: tuple = field(default=())
    reference: tuple = field(default=())
    # Health data, substance use included, among the fields above: shared with a provider only
    # under a consent naming the health category, with the 42 CFR Part 2 notice.
    health: tuple = field(default=())

    def category_of(self, name: str) -> str | None:
        for category in CATEGORIES:
            if name in getattr(self, category):
                return category
        return None

    def fields(self) -> list[tuple[str, str]]:
        """(field name, category) for every field named, in category order."""
        return [(name, category) for category in CATEGORIES for name in getattr(self, category)]
