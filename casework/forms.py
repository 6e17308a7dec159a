"""Parsing and field validation for casework pages. Every "bad input" message lives here."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import roles
from casework.models import (
    Assessment,
    AssessmentRating,
    Case,
    CaseNote,
    Consent,
    FollowUp,
    Intervention,
    Pathway,
    PlanGoal,
    Rating,
    ServicePlan,
    Team,
)
from casework.selectors import CaseloadFilter
from providers.models import Organization, Service

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


class ClosureRequestForm(forms.Form):
    closure_reason = forms.ChoiceField(
        label=_("Closure reason"), choices=[("", _("Choose a reason"))]
        + list(Case.ClosureReason.choices),
        error_messages={"required": _("Choose a closure reason.")},
    )
    reason = forms.CharField(
        label=_("Why the case can close"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why: a reason is required for this action.")},
    )


class ClosureDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve and close")),
                                          ("return", _("Return"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    expected_stage = forms.ChoiceField(choices=Case.Stage.choices, widget=forms.HiddenInput)


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


class DistinctIds:
    """A form drawn beside others on one page: its ids start with `id_prefix`, so none repeats.

    Only the ids change (labels follow them); the field names, and so what is posted, stay.
    """

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


ORGANIZATION_SUGGESTIONS = 20


def organization_names_like(text: str, *, limit: int = ORGANIZATION_SUGGESTIONS) -> list[str]:
    """Names of active organisations starting with `text`, then containing it (at most `limit`)."""
    text = " ".join(text.split())
    if len(text) < 2:
        return []
    active = Organization.objects.filter(is_active=True).order_by("name")
    names = list(active.filter(name__istartswith=text).values_list("name", flat=True)[:limit])
    if len(names) < limit:
        names += [name for name in active.filter(name__icontains=text)
                  .exclude(name__istartswith=text).values_list("name", flat=True)[:limit]
                  ][: limit - len(names)]
    return names


class OrganizationNameField(forms.CharField):
    """An active organisation, typed by its name and suggested as one types.

    A directory import makes thousands of organisations: a dropdown of all of them is unusable
    (and heavy), so the page sends none; the browser's list offers those like what was typed.
    """

    def clean(self, value):
        name = " ".join((super().clean(value) or "").split())
        if not name:
            return None
        matches = list(Organization.objects.filter(is_active=True, name__iexact=name)[:2])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise forms.ValidationError(
                _("More than one active organisation is called “%(name)s”: ask an administrator "
                  "to tell them apart in the directory.") % {"name": name})
        like = organization_names_like(name, limit=5)
        if like:
            raise forms.ValidationError(
                _("No active organisation is called “%(name)s”. Did you mean: %(names)s?")
                % {"name": name, "names": "; ".join(like)})
        raise forms.ValidationError(
            _("No active organisation is called “%(name)s”: check the name in the services "
              "directory.") % {"name": name})


class ConsentForm(DistinctIds, forms.ModelForm):
    """Consent for support, or for sharing with providers: one organisation or a category."""

    id_prefix = "consent"

    class Meta:
        model = Consent
        fields = [
            "purpose", "organization", "service_category", "given_by", "method", "given_on",
            "expires_on", "wording",
        ]
        widgets = {"given_on": DATE_WIDGET, "expires_on": DATE_WIDGET}
        help_texts = {
            "organization": _("For sharing: the organisation the person agreed to share with."),
            "service_category": _("Or, for sharing: every provider of this kind of service."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"] = OrganizationNameField(
            label=self.fields["organization"].label, required=False, max_length=200,
            help_text=self.fields["organization"].help_text,
            widget=forms.TextInput(attrs={"list": "consent-organizations", "autocomplete": "off"}),
        )
        # Most consent is the person's own: unsaid, it is theirs.
        self.fields["given_by"].required = False
        self.fields["service_category"] = forms.ChoiceField(
            label=_("Service category"), required=False,
            choices=[("", _("Any (choose an organisation instead)"))]
            + list(Service.Category.choices),
            help_text=self.fields["service_category"].help_text,
        )
        # The wording version the person was shown (versions are published in the admin).
        self.fields["wording"].required = False  # required in clean() once a version exists
        self.fields["wording"].help_text = _("The version of the wording the person agreed to.")
        self.fields["data_categories"] = forms.MultipleChoiceField(
            label=_("Data that may be shared"), required=False,
            choices=Consent.DataCategory.choices, widget=forms.CheckboxSelectMultiple,
            help_text=_("For sharing: health data, substance use included, is shared only when "
                        "named here."),
        )

    def clean_given_on(self):
        value = self.cleaned_data["given_on"]
        not_in_future(value)
        return value

    def clean_given_by(self):
        return self.cleaned_data.get("given_by") or Consent.GivenBy.PERSON

    def clean(self):
        data = super().clean()
        sharing = data.get("purpose") == Consent.Purpose.PROVIDER_SHARING
        organization, category = data.get("organization"), data.get("service_category")
        if sharing and not (organization or category):
            self.add_error("organization", _(
                "Consent to share must name an organisation or a category of service."
            ))
        if sharing and organization and category:
            self.add_error("service_category", _(
                "Choose an organisation or a category, not both: record two consents if the "
                "person agreed to both."
            ))
        if not sharing and (organization or category):
            self.add_error("purpose", _(
                "An organisation or category limits a consent to share: choose the purpose "
                "\"Sharing with service providers\", or leave them empty."
            ))
        given_on, expires_on = data.get("given_on"), data.get("expires_on")
        if given_on and expires_on and expires_on < given_on:
            self.add_error("expires_on", _("The expiry date cannot be before the consent was "
                                           "given."))
        wording, purpose = data.get("wording"), data.get("purpose")
        if wording is not None and wording.purpose != purpose:
            self.add_error("wording", _("Choose a wording written for this purpose."))
        elif wording is None and self.fields["wording"].queryset.filter(purpose=purpose).exists():
            self.add_error("wording", _("Choose the version of the wording the person agreed "
                                        "to."))
        return data


class PersonForm(forms.Form):
    """Corrections to the details of the person a case is about (workflow.update_person)."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE_WIDGET)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    identifiers = forms.CharField(
        label=_("Identifiers"), required=False, max_length=1000,
        help_text=_("For example a corrections number."), widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        return value


class AliasForm(DistinctIds, forms.Form):
    """Another name the person is known by (workflow.add_alias)."""

    id_prefix = "alias"

    name = forms.CharField(
        label=_("Other name"), max_length=200,
        help_text=_("A name the person is also known by, as one line: first names, then surname."),
    )


class AssessmentForm(forms.Form):
    """The instrument as a form: a rating and evidence per factor, then the overall result.

    Factors left unrated are "not rated" (not enough information yet). Saving a draft accepts
    anything; completing needs the overall risk level and the needs summary.
    """

    SAVE, COMPLETE = "save", "complete"

    risk_level = forms.ChoiceField(
        label=_("Overall risk level"),
        required=False,
        choices=[("", _("Choose a level"))] + list(Assessment.RiskLevel.choices),
    )
    needs_summary = forms.CharField(
        label=_("Needs summary"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    change_summary = forms.CharField(
        label=_("What changed since the last assessment"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    action = forms.ChoiceField(
        choices=[(SAVE, SAVE), (COMPLETE, COMPLETE)], required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, domains=(), reassessment=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = domains
        if not reassessment:
            del self.fields["change_summary"]
        for _domain, factors in domains:
            for factor in factors:
                self.fields[f"rating_{factor.pk}"] = forms.ChoiceField(
                    label=factor.title,
                    required=False,
                    choices=[("", _("Not rated"))] + list(Rating.choices),
                )
                self.fields[f"evidence_{factor.pk}"] = forms.CharField(
                    label=_("Evidence"),
                    required=False,
                    max_length=5000,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )

    @classmethod
    def initial_from(cls, assessment) -> dict:
        initial = {
            "risk_level": assessment.risk_level,
            "needs_summary": assessment.needs_summary,
            "change_summary": assessment.change_summary,
        }
        for rating in assessment.ratings.all():
            initial[f"rating_{rating.factor_id}"] = rating.rating
            initial[f"evidence_{rating.factor_id}"] = rating.evidence
        return initial

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") != self.SAVE:
            cleaned["action"] = self.COMPLETE
            if not cleaned.get("risk_level"):
                self.add_error("risk_level", _("Choose the overall risk level to complete it."))
            if not (cleaned.get("needs_summary") or "").strip():
                self.add_error("needs_summary", _("Write the needs summary to complete it."))
        return cleaned

    @property
    def complete(self) -> bool:
        return self.cleaned_data["action"] == self.COMPLETE

    def ratings(self) -> dict[int, tuple[str, str]]:
        return {
            factor.pk: (
                self.cleaned_data.get(f"rating_{factor.pk}", ""),
                self.cleaned_data.get(f"evidence_{factor.pk}", ""),
            )
            for _domain, factors in self.domains
            for factor in factors
        }

    def rows(self):
        """(domain, [(factor, rating field, evidence field)]) for the template."""
        return [
            (domain, [(f, self[f"rating_{f.pk}"], self[f"evidence_{f.pk}"]) for f in factors])
            for domain, factors in self.domains
        ]


class NeedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, rating):
        return f"{rating.factor.title} ({rating.get_rating_display()})"


def _need_field(needs) -> forms.Field:
    """Offer the needs of the latest assessment (each choice is that assessment's rating)."""
    return NeedChoiceField(
        label=_("Assessed need"),
        required=False,
        queryset=AssessmentRating.objects.filter(pk__in=[n.pk for n in needs]).select_related(
            "factor"
        ),
        empty_label=_("Not linked to an assessed need"),
    )


def active_services():
    return Service.objects.filter(is_active=True, organization__is_active=True).select_related(
        "organization"
    )


class _GoalFields(forms.Form):
    """What a goal needs: the need it addresses, a target date, and services to deliver it."""

    frequency = forms.ChoiceField(
        label=_("How often"), choices=Intervention.Frequency.choices, required=False,
        initial=Intervention.Frequency.WEEKLY,
    )
    target_on = forms.DateField(label=_("Target date"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, needs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.needs = list(needs)
        if self.needs:
            self.fields["need"] = _need_field(self.needs)
            self.order_fields(["need"])

    def clean_frequency(self):
        return self.cleaned_data["frequency"] or Intervention.Frequency.WEEKLY

    def clean_target_on(self):
        value = self.cleaned_data["target_on"]
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("The target date cannot be in the past."))
        return value

    def need_factor(self):
        rating = self.cleaned_data.get("need")
        return rating.factor if rating else None


class PlanForm(_GoalFields):
    """The first version of the plan: its first goal, and the services that deliver it."""

    goals = forms.CharField(
        label=_("Goals"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the person wants to achieve first; add more goals on the plan page."),
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services"),
        queryset=active_services(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one service for the plan.")},
    )
    field_order = ["goals", "need", "services", "frequency", "target_on"]


class GoalForm(_GoalFields):
    description = forms.CharField(
        label=_("Goal"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services"),
        queryset=active_services(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    field_order = ["need", "description", "services", "frequency", "target_on"]


class InterventionForm(forms.Form):
    goal = forms.ModelChoiceField(
        label=_("For the goal"), queryset=PlanGoal.objects.none(), empty_label=_("Choose a goal")
    )
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=active_services(), empty_label=_("Choose a service")
    )
    frequency = forms.ChoiceField(
        label=_("How often"), choices=Intervention.Frequency.choices, required=False,
        initial=Intervention.Frequency.WEEKLY,
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=get_user_model().objects.none(), required=False,
        empty_label=_("The case's caseworker"),
    )

    def __init__(self, *args, owners=(), plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(
            pk__in=[owner.pk for owner in owners]
        )
        if plan is not None:
            self.fields["goal"].queryset = plan.plan_goals.all()
        self.fields["goal"].label_from_instance = lambda goal: goal.description[:80]

    def clean_frequency(self):
        return self.cleaned_data["frequency"] or Intervention.Frequency.WEEKLY


class InterventionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Intervention.Status.choices)


class PlanApprovalForm(forms.Form):
    """The revision the approver read, and (when the MDT approves plans) the meeting date."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    mdt_meeting_on = forms.DateField(
        label=_("Date of the MDT meeting that approved it"), required=False, widget=DATE_WIDGET
    )

    def clean(self):
        cleaned = super().clean()
        by_mdt = settings.CASEWORK_PLAN_APPROVAL == ServicePlan.ApprovedVia.MDT
        if by_mdt and not cleaned.get("mdt_meeting_on"):
            self.add_error("mdt_meeting_on", _("Give the date of the MDT meeting."))
        not_in_future(cleaned.get("mdt_meeting_on"))
        return cleaned


CONTACT_KINDS = [(FollowUp.Kind.CHECK_IN, FollowUp.Kind.CHECK_IN.label)]
MODE_CHOICES = [("", _("Not recorded"))] + list(FollowUp.Mode.choices)
HAPPENED = [
    (FollowUp.Outcome.COMPLETED, FollowUp.Outcome.COMPLETED.label),
    (FollowUp.Outcome.ATTEMPTED, FollowUp.Outcome.ATTEMPTED.label),
    (FollowUp.Outcome.NO_SHOW, FollowUp.Outcome.NO_SHOW.label),
]


class FollowUpForm(DistinctIds, forms.Form):
    """A contact that has just happened (not scheduled beforehand)."""

    id_prefix = "contact"

    kind = forms.ChoiceField(label=_("Kind"), choices=CONTACT_KINDS)
    mode = forms.ChoiceField(label=_("Contact type"), choices=MODE_CHOICES, required=False)
    happened_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    outcome = forms.ChoiceField(label=_("What happened"), choices=HAPPENED, required=False)
    summary = forms.CharField(
        label=_("Summary"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_happened_on(self):
        value = self.cleaned_data["happened_on"]
        not_in_future(value)
        return value

    def clean_outcome(self):
        return self.cleaned_data["outcome"] or FollowUp.Outcome.COMPLETED


class ScheduleFollowUpForm(DistinctIds, forms.Form):
    id_prefix = "schedule"
    kind = forms.ChoiceField(
        label=_("Follow-up"),
        choices=[(FollowUp.Kind.CHECK_IN, FollowUp.Kind.CHECK_IN.label),
                 (FollowUp.Kind.REVIEW, FollowUp.Kind.REVIEW.label)],
    )
    mode = forms.ChoiceField(label=_("Contact type"), choices=MODE_CHOICES, required=False)
    due_on = forms.DateField(label=_("Due on"), widget=DATE_WIDGET)

    def clean_due_on(self):
        value = self.cleaned_data["due_on"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return value


class OutcomeForm(forms.Form):
    """What came of a scheduled contact or review; for a plan review, progress on each goal."""

    outcome = forms.ChoiceField(
        label=_("What happened"),
        choices=HAPPENED + [(FollowUp.Outcome.CANCELLED, FollowUp.Outcome.CANCELLED.label)],
    )
    mode = forms.ChoiceField(label=_("Contact type"), choices=MODE_CHOICES, required=False)
    happened_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET, required=False)
    summary = forms.CharField(
        label=_("Summary"), max_length=10000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.goals = list(goals)
        for goal in self.goals:
            self.fields[f"progress_{goal.pk}"] = forms.ChoiceField(
                label=_("Progress"), choices=PlanGoal.Progress.choices, initial=goal.progress
            )
            self.fields[f"comment_{goal.pk}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self):
        cleaned = super().clean()
        cancelled = cleaned.get("outcome") == FollowUp.Outcome.CANCELLED
        if not cancelled and not cleaned.get("happened_on"):
            self.add_error("happened_on", _("Give the date it happened."))
        not_in_future(cleaned.get("happened_on"))
        if cleaned.get("outcome") == FollowUp.Outcome.COMPLETED and not (
            cleaned.get("summary") or ""
        ).strip():
            self.add_error("summary", _("Summarise the contact."))
        return cleaned

    def goal_rows(self):
        return [(g, self[f"progress_{g.pk}"], self[f"comment_{g.pk}"]) for g in self.goals]

    def progress(self) -> dict[int, tuple[str, str]]:
        return {
            goal.pk: (
                self.cleaned_data[f"progress_{goal.pk}"],
                self.cleaned_data.get(f"comment_{goal.pk}", ""),
            )
            for goal in self.goals
        }


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    sensitivity = forms.ChoiceField(label=_("Who may read it"), choices=CaseNote.Sensitivity)

    def __init__(self, *args, levels=(CaseNote.Sensitivity.STANDARD,), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sensitivity"].choices = [
            (value, label) for value, label in CaseNote.Sensitivity.choices if value in levels
        ]


class AddendumForm(forms.Form):
    text = forms.CharField(
        label=_("Addendum"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The note itself stays exactly as it was saved."),
    )


class OwnedWorkForm(forms.Form):
    """Work for one of the given `owners`, due on a date not yet past (a task, an MDT action)."""

    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    due_on = forms.DateField(label=_("Due on"), widget=DATE_WIDGET)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The choices are the people already read for the page: drawing the form reads nothing.
        self._owners = {owner.pk: owner for owner in owners}
        self.fields["owner"].choices = [("", "---------")] + [
            (owner.pk, owner.get_username())
            for owner in sorted(owners, key=lambda owner: owner.get_username())
        ]

    def clean_owner(self):
        return self._owners[self.cleaned_data["owner"]]

    def clean_due_on(self):
        value = self.cleaned_data["due_on"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The due date cannot be in the past."))
        return value


class TaskForm(DistinctIds, OwnedWorkForm):
    id_prefix = "task"
    title = forms.CharField(label=_("What needs doing"), max_length=200)

    field_order = ["title", "owner", "due_on"]


SORTS = [
    ("stage_age", _("Longest in stage")),
    ("next_due", _("Next due")),
    ("risk", _("Highest risk")),
    ("reference", _("Reference")),
]


class CaseloadFilterForm(forms.Form):
    """The dashboard's filters: stage, risk, pathway, caseworker, overdue, sort. No personal data,
    so it is a GET form and its address can be bookmarked."""

    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("Any stage"))] + list(Case.Stage.choices)
    )
    risk = forms.ChoiceField(
        label=_("Risk level"),
        required=False,
        choices=[("", _("Any risk level"))]
        + list(Assessment.RiskLevel.choices)
        + [("none", _("Not assessed"))],
    )
    pathway = forms.ChoiceField(
        label=_("Pathway"), required=False, choices=[("", _("Any pathway"))] + list(Pathway.choices)
    )
    caseworker = forms.TypedChoiceField(
        label=_("Caseworker"), required=False, coerce=int, empty_value=None, choices=()
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    closed = forms.BooleanField(label=_("Include closed cases"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args, caseworkers=(), **kwargs):
        super().__init__(*args, **kwargs)
        if caseworkers:
            self.fields["caseworker"].choices = (
                [("", _("Anyone")), (0, _("Unassigned"))]
                + [(worker.pk, worker.get_username()) for worker in caseworkers]
            )
        else:
            del self.fields["caseworker"]

    def filters(self):
        if not self.is_valid():
            return CaseloadFilter()
        data = self.cleaned_data
        return CaseloadFilter(
            stage=data.get("stage") or "",
            risk=data.get("risk") or "",
            pathway=data.get("pathway") or "",
            caseworker=data.get("caseworker"),
            overdue=bool(data.get("overdue")),
            include_closed=bool(data.get("closed")),
            sort=data.get("sort") or "stage_age",
        )


class CaseSearchForm(forms.Form):
    """Search by name, reference, date of birth or phone. POST: no name ends up in an address."""

    query = forms.CharField(
        label=_("Name, reference, date of birth or phone"), max_length=200, strip=True
    )


# Transfers ------------------------------------------------------------------------------------


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, team):
        return f"{team.name} ({team.agency})" if team.agency else team.name


class TransferForm(forms.Form):
    """Offer the case to another team, of this agency or another, and say why."""

    to_team = TeamChoiceField(label=_("Receiving team"), queryset=None)
    reason = forms.CharField(label=_("Why the case should move"), widget=forms.Textarea(
        attrs={"rows": 3}), max_length=4000)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_team"].queryset = Team.objects.exclude(pk=case.team_id).order_by(
            "agency", "name")


class AcceptTransferForm(forms.Form):
    caseworker = forms.ModelChoiceField(
        label=_("Give the case to"), queryset=None, required=False,
        empty_label=_("Nobody yet: I hold it and its tasks"),
    )

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers_of(team)


class DeclineTransferForm(forms.Form):
    reason = forms.CharField(label=_("Why you decline it"), widget=forms.Textarea(
        attrs={"rows": 3}), max_length=4000)
