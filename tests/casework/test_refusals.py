"""One family of refusals: every workflow's refusal is a Refused, every stale one a Stale."""

import pytest

from casework import workflow
from casework.refusals import Refused, Stale
from referrals import outgoing
from referrals import workflow as screening


@pytest.mark.parametrize("refusal", [workflow.TransitionRefused, screening.ScreeningRefused,
                                     outgoing.ReferralRefused, outgoing.ConsentMissing])
def test_each_workflows_refusal_carries_its_messages_as_text(refusal):
    refused = refusal(["Say why.", "Choose a team."])
    assert isinstance(refused, Refused) and not isinstance(refused, Stale)
    assert refused.messages == ["Say why.", "Choose a team."]
    assert str(refused) == "Say why.; Choose a team."


@pytest.mark.parametrize("stale", [workflow.StaleCase, screening.StaleReferral,
                                   outgoing.StaleProviderReferral])
def test_a_stale_refusal_says_what_happened_without_being_told(stale):
    refused = stale()
    assert isinstance(refused, Stale) and isinstance(refused, Refused)
    assert refused.messages == [str(Stale.default_message)]
    assert "nothing was changed" in refused.messages[0]
