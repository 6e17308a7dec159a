"""Parsing and field validation for provider referral pages. Business rules are in outgoing."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import selectors as case_selectors
from casework.models import PlanGoal
from providers.models import Service
from referrals.models import ProviderReferral

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "usa-input"})


class GoalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, goal):
        return goal.description  # the caseworker sees the case: the goal's own words


class ServiceFilterForm(forms.Form):
    """Which services the send form lists: those meeting the case's needs, or every one."""

    q = forms.CharField(
        label=_("Search services"), max_length=100, required=False,
        help_text=_("Part of the name of the service or of its organisation."),
    )
    all = forms.BooleanField(
        label=_("Show every service, not only those for this case's needs"), required=False,
    )

    def values(self) -> tuple[str, bool]:
        if not self.is_valid():
            return "", False
        return self.cleaned_data["q"].strip(), self.cleaned_data["all"]


class SendForm(forms.Form):
    """What to send, and to whom. By default only the minimum-necessary summary is shared.

    The page draws the service choice itself, as radio buttons showing consent, agreement and
    capacity (referrals.provider_selectors.send_choices); any active service parses here, and
    referrals.outgoing refuses one the person's consent or the agreement does not cover.
    """

    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.none(),
        error_messages={
            "required": _("Choose the service to refer the person to."),
            "invalid_choice": _("That service is not in the directory any more: choose another."),
        },
    )
    goal = GoalChoiceField(
        label=_("The goal it serves"), queryset=PlanGoal.objects.none(), required=False,
        empty_label=_("No goal"),
    )
    need = forms.CharField(
        label=_("What the person needs"), max_length=1000, required=False,
        help_text=_("In a sentence, what they need from this service (shared as \"the need\")."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    contact = forms.ChoiceField(
        label=_("How the provider should make contact"), choices=ProviderReferral.Contact.choices,
        initial=ProviderReferral.Contact.CASEWORKER,
    )
    share = forms.MultipleChoiceField(
        label=_("What the provider will see"), choices=ProviderReferral.Share.choices,
        initial=list(ProviderReferral.DEFAULT_SHARE), widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Share only what the provider needs. The assessment summary and a note are "
                    "shared only if you tick them."),
    )
    note = forms.CharField(
        label=_("Note for the provider"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.active().select_related("organization")
        plan = case_selectors.current_plan(case) or case_selectors.plan_awaiting_approval(case)
        goals = PlanGoal.objects.filter(plan=plan) if plan else PlanGoal.objects.none()
        self.fields["goal"].queryset = goals
        first_goal = goals.first()
        if first_goal is None:  # nothing to share as the goal: do not tick it by default
            self.fields["share"].initial = [
                name for name in ProviderReferral.DEFAULT_SHARE
                if name != ProviderReferral.Share.GOAL
            ]
        elif not self.initial.get("goal"):
            self.initial["goal"] = first_goal.pk


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(name, name) for name in (
        "accept", "reject", "start", "hold", "resume", "complete", "fail", "cancel"
    )], widget=forms.HiddenInput)
    expected_status = forms.ChoiceField(
        choices=ProviderReferral.Status.choices, widget=forms.HiddenInput
    )
    reason = forms.ChoiceField(
        label=_("Reason"), required=False,
        choices=[("", _("Choose a reason"))] + [
            (value, label) for value, label in ProviderReferral.Reason.choices
            if value in ProviderReferral.CHOSEN_REASONS
        ],
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False,
        choices=[("", _("Choose the outcome"))] + list(ProviderReferral.Outcome.choices),
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttendanceForm(forms.Form):
    on = forms.DateField(label=_("Appointment date"), widget=DATE_WIDGET)
    attended = forms.TypedChoiceField(
        label=_("Did the person attend?"), choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )

    def clean_on(self):
        value = self.cleaned_data["on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value
