"""Demo data for the privacy officer's pages: one legal hold awaiting a second officer."""

from django.contrib.auth import get_user_model

from casework.models import Case
from privacy import holds


def load_demo_legal_hold(*, officer_username: str = "privacy") -> None:
    """Propose a hold on the first demo case, as the demo privacy officer; a second privacy
    officer confirms it on /privacy/holds/ (the two-person rule, shown)."""
    officer = get_user_model().objects.filter(username=officer_username).first()
    case = Case.objects.order_by("pk").first()
    if officer is None or case is None:
        return
    holds.propose_hold(actor=officer, reference=case.reference,
                       reason="Fictional demo: the city attorney asked that this case's records "
                              "be kept while a claim is considered.")
