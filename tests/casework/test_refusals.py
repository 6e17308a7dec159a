"""One family of refusals: every workflow's refusal is a Refused, every stale one a Stale."""

import pytest

from api.fhir.mapping import TaskUpdateRefused
from casework import revisions, workflow
from casework.refusals import Refused, Stale, page_again
from providers.workflow import DirectoryChangeRefused
from referrals import outgoing
from referrals import workflow as screening


@pytest.mark.parametrize("refusal", [workflow.TransitionRefused, screening.ScreeningRefused,
                                     outgoing.ReferralRefused, outgoing.ConsentMissing,
                                     DirectoryChangeRefused, TaskUpdateRefused])
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


def test_a_stale_edit_is_a_stale_refusal_that_keeps_the_record_as_saved():
    stale = revisions.StaleEdit("the saved record")
    assert isinstance(stale, Stale) and stale.current == "the saved record"
    assert "Your text is still in the form below" in stale.messages[0]
    assert "nothing was changed" in stale.changed_messages[0]


def _page(request, case, *, status=200, errors=(), note_form=None):
    return {"status": status, "errors": errors, "note_form": note_form}


def test_a_refusal_draws_the_page_again_with_its_messages_and_400():
    answer = page_again(_page, Refused(["Write the note."]), "request", "case", note_form="typed")
    assert answer == {"status": 400, "errors": ["Write the note."], "note_form": "typed"}


def test_a_stale_refusal_draws_the_page_again_with_409_and_may_say_it_its_own_way():
    assert page_again(_page, revisions.StaleEdit(), "request", "case")["status"] == 409
    answer = page_again(_page, revisions.StaleEdit(), "request", "case", errors=["Reload."])
    assert answer["errors"] == ["Reload."]
