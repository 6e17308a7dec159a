"""Parsing and field validation for referral and bias-report pages. Every "bad input" message
lives here; business rules (who may decide what, and when) live in referrals.workflow."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import roles
from casework.models import Team
from providers.models import Organization, Service
from referrals import conf
from referrals.models import BiasIncident, Referral, ScreeningCheck, ScreeningDecision

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})

REENTRY_FIELDS = ("release_date", "facility", "supervising_agency", "supervising_officer",
                  "supervision_conditions")


class HoneypotMixin(forms.Form):
    """A field people never see (hidden by CSS and from assistive technology) and bots fill."""

    website = forms.CharField(
        label=_("Leave this field empty"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError(
                _("Your form could not be sent. Please try again, or call us."), code="honeypot"
            )
        return cleaned

    @property
    def caught_by_honeypot(self) -> bool:
        return any(error.code == "honeypot" for error in self.non_field_errors().as_data())


class ReferralForm(forms.ModelForm):
    """What every channel records about a referral; the channel forms choose what to ask."""

    concerns = forms.MultipleChoiceField(
        label=_("What has been observed?"),
        choices=Referral.Concern.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick everything that applies."),
    )
    concern = forms.CharField(
        label=_("Describe what was observed"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Behaviour and statements, with dates where known."),
    )
    awareness = forms.ChoiceField(
        label=_("Does the person know about this referral?"),
        choices=Referral.Awareness.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    supervision_conditions = forms.CharField(
        label=_("Supervision conditions"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # (legend, field names) in the order the page shows them.
    sections: list[tuple[str, tuple[str, ...]]] = []
    release_date_required = True

    class Meta:
        model = Referral
        fields = [
            "source", "referrer_name", "referrer_contact",
            "first_name", "last_name", "date_of_birth", "phone",
            "pathway", "urgency", "concern", "awareness",
            *REENTRY_FIELDS,
        ]
        widgets = {"date_of_birth": DATE_WIDGET, "release_date": DATE_WIDGET}
        labels = {"release_date": _("Release date (expected or actual)")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.concerns:
            self.initial["concerns"] = self.instance.concern_codes

    def fieldsets(self):
        return [(legend, [self[name] for name in names if name in self.fields])
                for legend, names in self.sections]

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if value and value.year < 1900:
            raise forms.ValidationError(_("Enter a date of birth after 1900."))
        return value

    def clean_release_date(self):
        value = self.cleaned_data.get("release_date")
        if value and value.year < 1950:
            raise forms.ValidationError(_("Enter a release date after 1950."))
        if value and value > timezone.localdate() + datetime.timedelta(days=3 * 365):
            raise forms.ValidationError(_("Enter a release date within the next three years."))
        return value

    def clean_awareness(self):
        return self.cleaned_data.get("awareness") or Referral.Awareness.UNKNOWN

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("pathway") == Referral.Pathway.PREVENTION:
            given = [name for name in REENTRY_FIELDS if cleaned.get(name)]
            for name in given:
                self.add_error(name, _("This is only for re-entry referrals: choose the "
                                       "re-entry pathway, or clear it."))
        elif (cleaned.get("pathway") == Referral.Pathway.REENTRY and self.release_date_required
              and "release_date" in self.fields and not cleaned.get("release_date")
              and "release_date" not in self.errors):
            self.add_error("release_date", _("Enter the release date for a re-entry referral."))
        return cleaned

    def save(self, commit=True):
        referral = super().save(commit=False)
        referral.concerns = ",".join(self.cleaned_data.get("concerns") or [])
        if commit:
            referral.save()
        return referral


_PERSON = _("The person you are concerned about")
_CONCERN = _("What has been observed")
_REENTRY = _("Re-entry: release and supervision")


class StaffReferralForm(ReferralForm):
    """A referral taken by staff from a phone call, an email or a walk-in."""

    sections = [
        (_("Who is referring"), ("source", "referrer_name", "referrer_contact")),
        (_PERSON, ("first_name", "last_name", "date_of_birth", "phone", "awareness")),
        (_CONCERN, ("pathway", "urgency", "concerns", "concern")),
        (_REENTRY, REENTRY_FIELDS),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["last_name"].required = True


class PartnerReferralForm(ReferralForm):
    """A referral from a partner agency's staff, signed in; who they are is known."""

    AGENCY_SOURCES = (
        Referral.Source.SCHOOL, Referral.Source.HEALTH, Referral.Source.SOCIAL_SERVICES,
        Referral.Source.FAITH, Referral.Source.LAW_ENFORCEMENT, Referral.Source.PROBATION,
        Referral.Source.CORRECTIONS, Referral.Source.COMMUNITY, Referral.Source.OTHER,
    )

    referrer_organization = forms.ModelChoiceField(
        label=_("Your organisation"), queryset=Organization.objects.none(), required=False
    )

    sections = [
        (_("About you"), ("referrer_organization", "source", "referrer_name",
                          "referrer_contact")),
        (_PERSON, ("first_name", "last_name", "date_of_birth", "phone", "awareness")),
        (_CONCERN, ("pathway", "urgency", "concerns", "concern")),
        (_REENTRY, REENTRY_FIELDS),
    ]

    class Meta(ReferralForm.Meta):
        fields = ["referrer_organization", *ReferralForm.Meta.fields]
        labels = {
            **ReferralForm.Meta.labels,
            "source": _("Your agency type"),
            "referrer_name": _("Your name"),
            "referrer_contact": _("Your phone or email, for intake to call back"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Organization.objects.filter(
            memberships__user=user, is_active=True
        ).order_by("name")
        self.fields["referrer_organization"].queryset = organisations
        self._only_organisation = organisations[0] if len(organisations) == 1 else None
        if self._only_organisation is not None:
            self.initial.setdefault("referrer_organization", self._only_organisation.pk)
        elif organisations:
            self.fields["referrer_organization"].required = True
        else:
            del self.fields["referrer_organization"]
        self.fields["source"].choices = [("", "---------")] + [
            (value, label) for value, label in Referral.Source.choices
            if value in self.AGENCY_SOURCES
        ]
        self.fields["referrer_name"].required = True
        self.fields["referrer_contact"].required = True
        self.initial.setdefault("referrer_name", user.get_full_name() or user.get_username())
        self.initial.setdefault("referrer_contact", user.email)
        self.fields["last_name"].required = True

    def clean_referrer_organization(self):
        # Someone in one organisation refers for it, whether or not the field was sent.
        return self.cleaned_data.get("referrer_organization") or self._only_organisation


class PublicReferralForm(HoneypotMixin, ReferralForm):
    """The secure public form: only what intake needs, most of it optional."""

    release_date_required = False

    sections = [
        (_PERSON, ("first_name", "last_name", "date_of_birth", "phone", "awareness")),
        (_CONCERN, ("pathway", "urgency", "concerns", "concern")),
        (_("If the person is returning from prison"), REENTRY_FIELDS),
        (_("About you"), ("source", "referrer_name", "referrer_contact")),
        ("", ("website",)),
    ]

    class Meta(ReferralForm.Meta):
        labels = {
            **ReferralForm.Meta.labels,
            "source": _("How do you know the person?"),
            "referrer_name": _("Your name"),
            "referrer_contact": _("Your phone or email"),
            "pathway": _("What is your concern about?"),
            "urgency": _("How urgent is it?"),
            "first_name": _("Their first name"),
            "last_name": _("Their last name"),
            "date_of_birth": _("Their date of birth"),
            "phone": _("Their phone number"),
        }
        help_texts = {
            "last_name": _("If you know it."),
            "date_of_birth": _("If you know it. It helps us avoid mixing people up."),
            "referrer_name": _("You may stay anonymous, but then we cannot contact you."),
            "referrer_contact": _("Only used to contact you about this referral."),
            "urgency": _("If someone is in danger right now, call 911 first."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "---------")] + [
            (value, label) for value, label in Referral.Source.choices
            if value in Referral.PUBLIC_SOURCES
        ]
        self.fields["pathway"].choices = [
            ("", "---------"),
            (Referral.Pathway.PREVENTION, _("Someone who may be moving towards hate or violence")),
            (Referral.Pathway.REENTRY, _("Someone returning from prison who needs support")),
        ]
        self.fields["concern"].label = _("Tell us what you have seen or heard")


# Screening ---------------------------------------------------------------------------------------


class CheckForm(forms.ModelForm):
    """A check made before deciding. Date and outcome only: no intelligence content."""

    class Meta:
        model = ScreeningCheck
        fields = ["kind", "checked_on", "outcome"]
        widgets = {"checked_on": DATE_WIDGET}

    def clean_checked_on(self):
        value = self.cleaned_data["checked_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date of the check cannot be in the future."))
        return value


class LinkForm(forms.Form):
    person = forms.CharField(max_length=12, widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    """Fields every decision has; each decision's form adds its own."""

    decision: str = ""
    title = ""
    hint = ""
    expected_status = forms.ChoiceField(choices=Referral.Status.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why: a reason is required for every decision.")},
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        kwargs.setdefault("prefix", self.decision)
        kwargs.setdefault("initial", {"expected_status": referral.status})
        super().__init__(*args, **kwargs)
        self.referral = referral

    def details(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("expected_status", None)
        data.pop("reason", None)
        return data


class AcknowledgeMixin(forms.Form):
    acknowledge = forms.BooleanField(
        label=_("Send the referrer an acknowledgement"), required=False,
    )


class AcceptForm(AcknowledgeMixin, DecisionForm):
    decision = ScreeningDecision.Name.ACCEPT
    title = _("Accept for support")
    hint = _("Open a new case at intake, or add the referral to the linked person's open case.")
    field_order = ["attach_to", "team", "caseworker", "reason", "acknowledge"]

    attach_to = forms.ChoiceField(
        label=_("Case"), required=False, widget=forms.RadioSelect,
    )
    team = forms.ModelChoiceField(label=_("Team for the new case"), queryset=Team.objects.all(),
                                  required=False)
    caseworker = forms.ModelChoiceField(
        label=_("Caseworker"),
        queryset=get_user_model().objects.filter(groups__name=roles.CASEWORKER, is_active=True)
        .order_by("username"),
        required=False,
    )

    def __init__(self, *args, open_cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attach_to"].choices = [("", _("Open a new case at intake"))] + [
            (episode.reference, _("Add to the open case held by %(team)s (since %(date)s)")
             % {"team": episode.team, "date": episode.opened_at.date().isoformat()})
            for episode in open_cases
        ]
        if not open_cases:
            del self.fields["attach_to"]
            self.fields["team"].required = True  # a new case is the only way to accept
        self.fields["team"].error_messages["required"] = _(
            "Choose the team that will hold the new case."
        )

    def clean(self):
        cleaned = super().clean()
        team, caseworker = cleaned.get("team"), cleaned.get("caseworker")
        if cleaned.get("attach_to"):
            if team or caseworker:
                self.add_error("team", _("A team is only chosen for a new case."))
        elif not team and "team" not in self.errors:
            self.add_error("team", _("Choose the team that will hold the new case."))
        if team and caseworker and not caseworker.team_memberships.filter(team=team).exists():
            self.add_error("caseworker", _("Choose a caseworker from the selected team."))
        return cleaned


class DeclineForm(AcknowledgeMixin, DecisionForm):
    decision = ScreeningDecision.Name.DECLINE
    title = _("Decline")
    hint = _("The service is not the right response.")


class SignpostForm(AcknowledgeMixin, DecisionForm):
    decision = ScreeningDecision.Name.SIGNPOST
    title = _("Signpost to another service")
    hint = _("Another service is better placed to help.")
    field_order = ["signposted_service", "signposted_to", "reason", "acknowledge"]

    signposted_service = forms.ModelChoiceField(
        label=_("A service in the directory"),
        queryset=Service.objects.filter(is_active=True, organization__is_active=True)
        .select_related("organization"),
        required=False,
    )
    signposted_to = forms.CharField(
        label=_("Or another service"), max_length=200, required=False,
        help_text=_("Its name, for services outside the directory."),
    )

    def clean(self):
        cleaned = super().clean()
        named = (cleaned.get("signposted_to") or "").strip()
        if not cleaned.get("signposted_service") and not named:
            self.add_error("signposted_to", _("Say which service the referral is signposted to."))
        return cleaned


class EscalateForm(DecisionForm):
    decision = ScreeningDecision.Name.ESCALATE
    title = _("Escalate immediate risk")
    hint = _("Record the hand-over to emergency services or law enforcement.")
    field_order = ["contacted", "contacted_at", "contact_reference", "reason"]

    contacted = forms.ChoiceField(
        label=_("Who was contacted"), choices=ScreeningDecision.Contacted.choices,
        widget=forms.RadioSelect,
    )
    contacted_at = forms.DateTimeField(
        label=_("When they were contacted"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    contact_reference = forms.CharField(
        label=_("Their incident or call reference"), max_length=100, required=False,
    )

    def clean_contacted_at(self):
        value = self.cleaned_data["contacted_at"]
        if value > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError(_("The time of contact cannot be in the future."))
        return value


class MergeForm(DecisionForm):
    decision = ScreeningDecision.Name.MERGE
    title = _("Merge as a duplicate")
    hint = _("Another referral is about the same person and concern.")
    field_order = ["duplicate_of", "reason"]

    duplicate_of = forms.CharField(
        label=_("Reference of the referral this one duplicates"), max_length=12,
        help_text=_("For example R-4F7K2M9Q."),
    )


DECISION_FORMS = {form.decision: form for form in
                  (AcceptForm, DeclineForm, SignpostForm, EscalateForm, MergeForm)}


# Bias-incident reports ---------------------------------------------------------------------------


class BiasReportForm(HoneypotMixin, forms.ModelForm):
    """The public bias-incident form. Anonymous unless the reporter leaves contact details."""

    description = forms.CharField(
        label=_("What happened, in your words"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Please do not include names, addresses or anything that identifies a "
                    "person."),
    )

    sections = [
        (_("What happened"), ("kind", "motivation", "occurred_on", "neighbourhood",
                              "reported_to_police", "description")),
        (_("Contact details (optional)"), ("contact_name", "contact_details")),
        ("", ("website",)),
    ]

    class Meta:
        model = BiasIncident
        fields = ["kind", "motivation", "occurred_on", "neighbourhood", "reported_to_police",
                  "description", "contact_name", "contact_details"]
        widgets = {
            "kind": forms.RadioSelect,
            "motivation": forms.RadioSelect,
            "reported_to_police": forms.RadioSelect,
            "occurred_on": DATE_WIDGET,
        }
        labels = {"motivation": _("What do you think the incident was motivated by?")}
        help_texts = {
            "occurred_on": _("If you are not sure of the day, give your best guess."),
            "contact_name": _("Leave these empty to report anonymously."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"] = forms.ChoiceField(
            label=_("Where did it happen?"),
            choices=[("", "---------"), *conf.neighbourhood_choices()],
            help_text=_("The area only, never an address."),
        )
        for name in ("kind", "motivation", "reported_to_police"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.sections]

    def clean_occurred_on(self):
        value = self.cleaned_data["occurred_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        if value < timezone.localdate() - datetime.timedelta(days=5 * 365):
            raise forms.ValidationError(_("Enter a date within the last five years."))
        return value


class TriageForm(forms.Form):
    ACTIONS = [
        ("log", _("Log it (no further action)")),
        ("refer_to_police", _("Refer it to the police")),
        ("make_referral", _("Link it to a referral made from it")),
        ("close", _("Close it")),
    ]

    action = forms.ChoiceField(label=_("Triage"), choices=ACTIONS, widget=forms.RadioSelect)
    referral_reference = forms.CharField(
        label=_("Referral reference"), max_length=12, required=False,
        help_text=_("Only when linking to a referral: enter the referral first, then its "
                    "reference here."),
    )
    note = forms.CharField(
        label=_("Note (optional)"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "make_referral" and not cleaned.get("referral_reference"):
            self.add_error("referral_reference", _("Enter the reference of the referral."))
        return cleaned
