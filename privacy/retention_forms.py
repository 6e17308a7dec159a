"""Forms for legal holds and erasure requests: every bad-input message lives here."""

from django import forms
from django.utils.translation import gettext_lazy as _

from privacy.erasure import ERASE, REFUSE
from privacy.retention_models import ErasureRequest

NO_NAMES = _("Do not write the person's name: the reference identifies them, and this text is "
             "kept after their data is erased.")


class HoldForm(forms.Form):
    reference = forms.RegexField(
        label=_("Person or case reference"),
        regex=r"^\s*[PpCc]-[0-9A-Za-z]{8}\s*$",
        max_length=14,
        error_messages={"invalid": _("Enter a person reference such as P-7K3M9Q2A or a case "
                                     "reference such as C-7K3M9Q2A."),
                        "required": _("Enter the reference of the person or case to hold.")},
    )
    reason = forms.CharField(
        label=_("Why the records must be kept"),
        min_length=20, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=NO_NAMES,
        error_messages={"required": _("Write why the records must be kept (for example the "
                                      "claim or inquiry, and who asked)."),
                        "min_length": _("Write at least %(limit_value)d characters: a second "
                                        "privacy officer decides on this reason.")},
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the hold can be lifted"),
        min_length=10, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=NO_NAMES,
        error_messages={"required": _("Write why the hold can be lifted."),
                        "min_length": _("Write at least %(limit_value)d characters.")},
    )


class ErasureRequestForm(forms.Form):
    reference = forms.RegexField(
        label=_("Person reference"),
        regex=r"^\s*[Pp]-[0-9A-Za-z]{8}\s*$",
        max_length=14,
        error_messages={"invalid": _("Enter a person reference such as P-7K3M9Q2A."),
                        "required": _("Enter the reference of the person who asked.")},
    )
    reason = forms.CharField(
        label=_("The request: when and how it was made, and what was asked"),
        min_length=10, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=NO_NAMES,
        error_messages={"required": _("Write what the person asked, and when."),
                        "min_length": _("Write at least %(limit_value)d characters.")},
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()


class ErasureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ERASE, _("Erase: anonymise the person's data everywhere")),
                 (REFUSE, _("Refuse under an exception"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose to erase or to refuse.")},
    )
    exception = forms.ChoiceField(
        label=_("Exception (when refusing)"),
        choices=[("", _("None"))] + list(ErasureRequest.ExceptionCode.choices), required=False,
    )
    exception_reason = forms.CharField(
        label=_("Why the exception applies"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}), help_text=NO_NAMES,
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == REFUSE:
            if not data.get("exception"):
                self.add_error("exception", _("Choose the exception that applies."))
            if len(data.get("exception_reason", "").strip()) < 10:
                self.add_error("exception_reason",
                               _("Write why the exception applies (at least 10 characters)."))
        return data
