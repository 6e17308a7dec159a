# Referrals hold personal data: deliberately not registered in the admin.
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        from casework import selectors as case_selectors
        from referrals import selectors

        # Screening decisions that opened or joined a case are on its timeline.
        sources = case_selectors.TIMELINE_SOURCES
        if selectors.screening_timeline not in sources:
            sources.append(selectors.screening_timeline)
