import datetime

from auditlog.models import LogEntry
from django import forms
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import events

EVENT_CHOICES = [
    ("", _("Any")),
    (events.LOGIN, _("Sign-in")),
    (events.LOGIN_FAILED, _("Failed sign-in")),
    (events.LOGOUT, _("Sign-out")),
    (events.REFUSED, _("Refused access")),
    (events.EXPORT, _("Export")),
    (events.BREAK_GLASS, _("Emergency access")),
]


class LogFilterForm(forms.Form):
    actor = forms.CharField(label=_("User name"), required=False, max_length=150)
    reference = forms.CharField(
        label=_("Case, person or referral reference"),
        required=False,
        max_length=40,
        help_text=_("A person reference also finds the entries of that person's cases."),
    )
    object_type = forms.ModelChoiceField(
        label=_("Object type"),
        queryset=ContentType.objects.filter(
            app_label__in=["casework", "referrals", "providers", "auth"]
        ).order_by("app_label", "model"),
        required=False,
    )
    action = forms.TypedChoiceField(
        label=_("Action"),
        choices=[("", _("Any"))] + list(LogEntry.Action.choices),
        coerce=int,
        required=False,
        empty_value=None,
    )
    event = forms.ChoiceField(label=_("Event"), choices=EVENT_CHOICES, required=False)
    address = forms.GenericIPAddressField(label=_("Address"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        return cleaned

    def filter(self, entries):
        """Narrow `entries`; every filter is an indexed column of the log table."""
        data = self.cleaned_data
        if data["actor"]:
            entries = entries.filter(actor__username=data["actor"].strip())
        if data["reference"]:
            entries = entries.filter(object_repr__in=references_for(data["reference"]))
        if data["object_type"]:
            entries = entries.filter(content_type=data["object_type"])
        if data["action"] is not None:
            entries = entries.filter(action=data["action"])
        if data["event"]:
            entries = entries.filter(additional_data__event=data["event"])
        if data["address"]:
            entries = entries.filter(remote_addr=data["address"])
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            start = datetime.datetime.combine(data["date_from"], datetime.time.min, tz)
            entries = entries.filter(timestamp__gte=start)
        if data["date_to"]:
            end = datetime.datetime.combine(data["date_to"], datetime.time.max, tz)
            entries = entries.filter(timestamp__lte=end)
        return entries


def references_for(reference: str) -> list[str]:
    """A person's reference stands for the person and each of their cases."""
    if not reference.startswith("P-"):
        return [reference]
    case_model = apps.get_model("casework", "Case")
    cases = case_model.objects.filter(Q(person__reference=reference))
    return [reference, *cases.values_list("reference", flat=True)]


class StepUpForm(forms.Form):
    """The password again, before a power that is used rarely and reviewed always."""

    password = forms.CharField(
        label=_("Your password, to confirm it is you"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )


class EmergencyAccessForm(StepUpForm):
    field_order = ["reference", "reason", "password"]

    reference = forms.RegexField(
        label=_("Case reference"),
        regex=r"^[Cc]-[0-9A-Za-z]{8}$",
        max_length=10,
        error_messages={"invalid": _("Enter a case reference such as C-7K3M9Q2A.")},
    )
    reason = forms.CharField(
        label=_("Why you need this case now"),
        min_length=20,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your supervisor is told at once, and an auditor reviews every use."),
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].upper()


class EmergencyReviewForm(forms.Form):
    justified = forms.TypedChoiceField(
        label=_("Was this use justified?"),
        choices=[("yes", _("Justified")), ("no", _("Not justified"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Review note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class RetentionPurgeForm(forms.Form):
    before = forms.DateField(
        label=_("Remove entries older than"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Entries are kept for the retention period; the cut-off cannot be later."),
    )
    reason = forms.CharField(
        label=_("Reason (no personal data)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
