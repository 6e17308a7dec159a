import datetime

from auditlog.models import LogEntry
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LogFilterForm(forms.Form):
    actor = forms.CharField(label=_("User name"), required=False, max_length=150)
    object_type = forms.ModelChoiceField(
        label=_("Object type"),
        queryset=ContentType.objects.filter(
            app_label__in=["casework", "referrals", "providers"]
        ).order_by("app_label", "model"),
        required=False,
    )
    reference = forms.CharField(
        label=_("Object reference"),
        required=False,
        max_length=40,
        help_text=_("A case, person or referral reference such as C-7K3M9Q2A."),
    )
    action = forms.TypedChoiceField(
        label=_("Action"),
        choices=[("", _("Any"))] + list(LogEntry.Action.choices),
        coerce=int,
        required=False,
        empty_value=None,
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date must be on or before the end date."))
        return cleaned

    def filter(self, entries):
        data = self.cleaned_data
        if data["actor"]:
            entries = entries.filter(actor__username=data["actor"].strip())
        if data["object_type"]:
            entries = entries.filter(content_type=data["object_type"])
        if data["reference"]:
            entries = entries.filter(object_repr=data["reference"].strip().upper())
        if data["action"] is not None:
            entries = entries.filter(action=data["action"])
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            start = datetime.datetime.combine(data["date_from"], datetime.time.min, tz)
            entries = entries.filter(timestamp__gte=start)
        if data["date_to"]:
            end = datetime.datetime.combine(data["date_to"], datetime.time.max, tz)
            entries = entries.filter(timestamp__lte=end)
        return entries
