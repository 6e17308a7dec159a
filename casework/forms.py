"""Parsing and field validation for casework pages. Every "bad input" message lives here."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import roles
from casework.models import Assessment, Case, Consent, FollowUp, Team
from providers.models import Service

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "usa-input"})


def not_in_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."))


class TransitionForm(forms.Form):
    name = forms.CharField(widget=forms.HiddenInput)
    expected_stage = forms.ChoiceField(choices=Case.Stage.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    closure_reason = forms.ChoiceField(
        label=_("Closure reason"),
        required=False,
        choices=[("", _("Choose a reason"))] + list(Case.ClosureReason.choices),
    )


def caseworkers_of(team: Team):
    return (
        get_user_model()
        .objects.filter(
            is_active=True, groups__name=roles.CASEWORKER, team_memberships__team=team
        )
        .order_by("username")
        .distinct()
    )


class AssignForm(forms.Form):
    caseworker = forms.ModelChoiceField(label=_("Caseworker"), queryset=None)

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers_of(team)


class OpenCaseForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all())
    caseworker = forms.ModelChoiceField(
        label=_("Caseworker (optional)"),
        queryset=get_user_model().objects.filter(groups__name=roles.CASEWORKER, is_active=True),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        team, caseworker = cleaned.get("team"), cleaned.get("caseworker")
        if team and caseworker and not caseworker.team_memberships.filter(team=team).exists():
            self.add_error("caseworker", _("Choose a caseworker from the selected team."))
        return cleaned


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["purpose", "method", "given_on"]
        widgets = {"given_on": DATE_WIDGET}

    def clean_given_on(self):
        value = self.cleaned_data["given_on"]
        not_in_future(value)
        return value


class AssessmentForm(forms.ModelForm):
    needs_summary = forms.CharField(
        label=_("Needs summary"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )

    class Meta:
        model = Assessment
        fields = ["risk_level", "needs_summary"]


class PlanForm(forms.Form):
    goals = forms.CharField(
        label=_("Goals"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services"),
        queryset=Service.objects.filter(is_active=True, organization__is_active=True)
        .select_related("organization"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one service for the plan.")},
    )


class FollowUpForm(forms.ModelForm):
    summary = forms.CharField(
        label=_("Summary"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )

    class Meta:
        model = FollowUp
        fields = ["kind", "happened_on", "summary"]
        widgets = {"happened_on": DATE_WIDGET}

    def clean_happened_on(self):
        value = self.cleaned_data["happened_on"]
        not_in_future(value)
        return value
