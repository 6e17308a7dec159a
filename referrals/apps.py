# Referrals hold personal data: deliberately not registered in the admin.
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        from casework import selectors as case_selectors
        from referrals import provider_selectors, selectors, tasks  # noqa: F401 (see casework.apps)

        # Screening decisions that opened or joined a case are on its timeline, and so is each
        # status change of the case's provider referrals.
        sources = case_selectors.TIMELINE_SOURCES
        for source in (selectors.screening_timeline,
                       provider_selectors.provider_referral_timeline):
            if source not in sources:
                sources.append(source)
