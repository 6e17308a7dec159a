"""Parsing and field validation for the MDT pages. Every "bad input" message lives here."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import OwnedWorkForm
from casework.models import Case
from mdt.models import Attendance, Decision


class AddItemForm(forms.Form):
    reference = forms.CharField(
        label=_("Case reference"), max_length=12, help_text=_("For example C-7K3M9QX2.")
    )
    reason = forms.CharField(
        label=_("Why it is on the agenda"), required=False, max_length=300,
        help_text=_("Say why without naming anyone: the reason is shown to every member."),
    )


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Decision"), choices=[("", _("Choose a decision"))] + list(Decision.Kind.choices)
    )
    rationale = forms.CharField(
        label=_("Rationale"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    closure_reason = forms.ChoiceField(
        label=_("Closure reason"), required=False,
        choices=[("", _("Choose a reason"))] + list(Case.ClosureReason.choices),
        help_text=_("Only when approving a closure."),
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == Decision.Kind.APPROVE_CLOSURE and not data.get("closure_reason"):
            self.add_error("closure_reason", _("Choose the closure reason."))
        return data


class ActionForm(OwnedWorkForm):
    description = forms.CharField(label=_("Action"), max_length=180)

    field_order = ["description", "owner", "due_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].empty_label = _("Choose")


class AttendanceForm(forms.Form):
    """One choice per panel member, named member-<id>."""

    def __init__(self, *args, members=(), current=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = current or {}
        for member in members:
            self.fields[f"member-{member.pk}"] = forms.ChoiceField(
                label=f"{member.user.get_full_name() or member.user.get_username()} "
                f"({member.get_role_display()})",
                choices=Attendance.Status.choices,
                initial=current.get(member.pk, Attendance.Status.PRESENT),
            )

    def statuses(self) -> dict[int, str]:
        return {
            int(name.removeprefix("member-")): value
            for name, value in self.cleaned_data.items()
        }


class MinutesForm(forms.Form):
    text = forms.CharField(
        label=_("General notes"), required=False, max_length=50000,
        help_text=_("What is not about one agenda item: apologies, matters arising, "
                    "the date of the next meeting."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class ItemMinutesForm(forms.Form):
    """One item's minutes, posted with the rest of the minutes page as item-<id>-text, beside
    item-<id>-revision (the revision the page showed, casework.revisions)."""

    text = forms.CharField(
        label=_("Minutes of this item"), required=False, max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, item_id: int, **kwargs):
        super().__init__(*args, prefix=f"item-{item_id}", **kwargs)
        self.item_id = item_id

    @property
    def revision_name(self) -> str:
        return self.add_prefix("revision")

    def seen_revision(self) -> int | None:
        try:
            return int(self.data.get(self.revision_name, "").strip())
        except ValueError:
            return None

    def posted(self) -> bool:
        return self.add_prefix("text") in self.data


class AnnotationForm(forms.Form):
    text = forms.CharField(
        label=_("Annotation"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
