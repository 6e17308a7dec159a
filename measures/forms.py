"""Parsing and field validation for the measures pages; every "bad input" message lives here."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Pathway, Team
from measures import conf
from measures.models import PreventionActivity, Snapshot
from measures.periods import Filters, Period, add_months, month_start
from providers.models import Organization, Service

MONTH_WIDGET = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
LONGEST_PERIOD = 36  # months: longer ranges are slow to read and say little more


class MonthField(forms.DateField):
    """A month as YYYY-MM (what <input type="month"> sends), as the first day of that month."""

    widget = MONTH_WIDGET
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, for example 2026-03.")}

    def to_python(self, value):
        day = super().to_python(value)
        return month_start(day) if day else day


class PeriodForm(forms.Form):
    """A period of whole months ending no later than this month."""

    first = MonthField(label=_("From (month)"))
    last = MonthField(label=_("To (month, included)"))

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last:
            this_month = month_start(timezone.localdate())
            if last > this_month:
                self.add_error("last", _("The period cannot end after this month."))
            elif first > last:
                self.add_error("first", _("The first month must come before the last."))
            elif Period(first, last).months > LONGEST_PERIOD:
                self.add_error("first", _("Choose at most %(months)s months.")
                               % {"months": LONGEST_PERIOD})
        return cleaned

    @property
    def period(self) -> Period:
        return Period(self.cleaned_data["first"], self.cleaned_data["last"])

    @classmethod
    def bound_with_defaults(cls, data, months: int = 12):
        """The form on `data`, with the last `months` months (to this month) where none is given."""
        default = Period.last_months(months)
        values = {"first": default.first.strftime("%Y-%m"), "last": default.last.strftime("%Y-%m")}
        values.update({k: v for k, v in data.items() if v})
        return cls(values)


class MeasuresForm(PeriodForm):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.order_by("name"),
                                  required=False, empty_label=_("Every team"))
    pathway = forms.ChoiceField(label=_("Pathway"), required=False,
                                choices=[("", _("Both pathways")), *Pathway.choices])
    category = forms.ChoiceField(label=_("Provider category"), required=False,
                                 choices=[("", _("Every category")), *Service.Category.choices])
    compare = forms.BooleanField(label=_("Compare with the period before"), required=False)

    @classmethod
    def bound_with_defaults(cls, data, months: int = 12):
        form = super().bound_with_defaults(data, months)
        if "first" not in data:  # the first visit compares; a submitted form says itself
            form.data["compare"] = "on"
        return form

    @property
    def filters(self) -> Filters:
        team = self.cleaned_data.get("team")
        return Filters(team=team.pk if team else None, pathway=self.cleaned_data["pathway"],
                       category=self.cleaned_data["category"])


class LandscapeForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Trend over"), coerce=int, choices=[(12, _("12 months")), (24, _("24 months"))],
    )

    @property
    def period(self) -> Period:
        return Period.last_months(self.cleaned_data["months"])


class PublishForm(PeriodForm):
    title = forms.CharField(label=_("Title"), max_length=120,
                            help_text=_("Shown on the public page, for example “Bias "
                                        "incidents, 2026”."))
    breakdowns = forms.MultipleChoiceField(
        label=_("What to publish"), choices=Snapshot.Breakdown.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one breakdown to publish.")},
    )

    def clean(self):
        cleaned = super().clean()
        last = cleaned.get("last")
        if last and last >= month_start(timezone.localdate()):
            # A month still under way would change after publication: only finished months.
            self.add_error("last", _("Publish finished months only: end at %(month)s or before.")
                           % {"month": add_months(month_start(timezone.localdate()), -1)
                              .strftime("%Y-%m")})
        return cleaned


class PreventionActivityForm(forms.ModelForm):
    area = forms.ChoiceField(label=_("Area"))
    partners = forms.ModelMultipleChoiceField(
        label=_("Partner organisations"), queryset=Organization.objects.order_by("name"),
        required=False, widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PreventionActivity
        fields = ["occurred_on", "kind", "area", "partners", "attendance"]
        widgets = {"occurred_on": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"attendance": _("How many people came. No names: this register holds "
                                      "no personal data.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(a, a) for a in conf.areas()]

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("Record activities that have happened: the date "
                                          "cannot be in the future."))
        if day < timezone.localdate() - datetime.timedelta(days=3 * 366):
            raise forms.ValidationError(_("That date is more than three years ago."))
        return day
