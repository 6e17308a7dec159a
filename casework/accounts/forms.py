"""Forms for the second factor and the account page; every bad-input message lives here."""

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                      "autocapitalize": "none", "spellcheck": "false"}),
        error_messages={"required": _("Enter the 6-digit code your authenticator app shows.")},
    )


class EnrolmentForm(forms.Form):
    code = forms.RegexField(
        label=_("The 6-digit code your app shows now"),
        regex=r"^\s*\d{3}\s*\d{3}\s*$",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={
            "required": _("Enter the 6-digit code your authenticator app shows."),
            "invalid": _("Enter the 6 digits your authenticator app shows, such as 123 456."),
        },
    )


class PasswordChangeForm(forms.Form):
    """The old password, and a new one that passes the password policy."""

    old_password = forms.CharField(
        label=_("Your current password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; a long phrase is best."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_old_password(self):
        if not self.user.check_password(self.cleaned_data["old_password"]):
            raise forms.ValidationError(_("That is not your current password."))
        return self.cleaned_data["old_password"]

    def clean_new_password(self):
        password = self.cleaned_data["new_password"]
        password_validation.validate_password(password, self.user)
        return password


class LanguageForm(forms.Form):
    # Each language is named in itself, so that someone who cannot read the page finds theirs.
    language = forms.ChoiceField(
        label=_("Language of your pages and emails"),
        choices=[("", _("The language your browser asks for"))]
        + [(code, {"en": "English", "es": "Español"}.get(code, name))
           for code, name in settings.LANGUAGES],
        required=False,
        error_messages={"invalid_choice": _("Choose a language from the list.")},
    )
