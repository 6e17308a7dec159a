from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models import Referral


class StaffReferralForm(forms.ModelForm):
    """A referral taken by staff from a phone call, an email or a walk-in."""

    concern = forms.CharField(
        label=_("What was observed"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Describe behaviour and statements, with dates where known."),
    )

    class Meta:
        model = Referral
        fields = [
            "source", "referrer_name", "referrer_contact",
            "first_name", "last_name", "date_of_birth", "phone",
            "pathway", "urgency", "concern", "person_aware",
        ]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if value and value.year < 1900:
            raise forms.ValidationError(_("Enter a date of birth after 1900."))
        return value
