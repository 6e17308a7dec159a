"""Subject access forms: the request (opened and corrected by one officer), the decision."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET, DistinctIds
from privacy.subject_access.models import SubjectAccessRequest


class RequestForm(DistinctIds, forms.ModelForm):
    """Who asked, how their identity was checked, and what they asked for."""

    id_prefix = "sar"
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        model = SubjectAccessRequest
        fields = ["received_on", "identity_check", "identity_note", "reason"]
        widgets = {
            "received_on": DATE_WIDGET,
            "identity_note": forms.Textarea(attrs={"rows": 3}),
            "reason": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "identity_note": _("What you saw or checked (document type, not its number)."),
            "reason": _("What the person asked for, how (letter, email, in person) and any "
                        "context the second officer needs."),
        }

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError(_("The request cannot have been received in the "
                                          "future: check the date."))
        return received_on

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say what the person asked for."))
        return reason


class DecisionForm(DistinctIds, forms.Form):
    """A second privacy officer approves or declines."""

    id_prefix = "decision"
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("approve", _("Approve: the export may be downloaded")),
                 ("decline", _("Decline"))],
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}), help_text=_("Required when you decline: why."))
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
