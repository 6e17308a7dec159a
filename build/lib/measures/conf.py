"""Measures settings, each with the default the embedded quick start uses.

MEASURES_SMALL_CELL_THRESHOLD  counts below this are shown as "<5" (default 5, refused below 3;
                               measures.suppression.threshold)
MEASURES_AREAS                 {area: [neighbourhood, ...]} for the landscape of hate; by
                               default each neighbourhood of BIAS_REPORT_NEIGHBOURHOODS is its
                               own area, and "online" and "elsewhere" stand apart
"""

from django.conf import settings

from referrals import conf as referral_conf


def areas() -> dict[str, list[str]]:
    configured = getattr(settings, "MEASURES_AREAS", None)
    if configured:
        return {str(area): list(names) for area, names in configured.items()}
    return {str(label): [value] for value, label in referral_conf.neighbourhood_choices()}


def area_of() -> dict[str, str]:
    """{neighbourhood: area}; a neighbourhood in no configured area counts as "Other"."""
    return {name: area for area, names in areas().items() for name in names}
