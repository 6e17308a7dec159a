"""Parsing and field validation for the directory pages. Every "bad input" message lives here."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from providers.models import Location, Service, ServiceLanguage

DEFAULT_IMPORT_LIMIT = 100 * 1024 * 1024
# How an upload starts: JSON, or a zip (the tabular datapackage). The job reads the rest and
# reports what it recognised; this check only spares a wait for a file that is neither.
STARTS = (b"{", b"[", b"PK\x03\x04")


def import_limit() -> int:
    """The largest HSDS file accepted, in bytes (setting PROVIDERS_IMPORT_MAX_BYTES)."""
    return getattr(settings, "PROVIDERS_IMPORT_MAX_BYTES", DEFAULT_IMPORT_LIMIT)


class SearchForm(forms.Form):
    category = forms.ChoiceField(label=_("Need"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    city = forms.ChoiceField(label=_("City"), required=False)
    area = forms.ChoiceField(label=_("Area (postal code)"), required=False)
    open_only = forms.BooleanField(label=_("Only services with open places"), required=False)
    term = forms.CharField(
        label=_("Taxonomy term (code or name)"), required=False, max_length=100,
        help_text=_("A term of the directory's source taxonomy, e.g. an AIRS/211 code."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", _("Any"))]
        self.fields["category"].choices = anything + list(Service.Category.choices)
        # Three small queries whatever the size of the directory (distinct, indexed columns).
        languages = dict(
            ServiceLanguage.objects.order_by("code").values_list("code", "name").distinct()
        )
        self.fields["language"].choices = anything + [
            (code, f"{name} ({code})" if name else code) for code, name in languages.items()
        ]
        cities = (
            Location.objects.exclude(city="").order_by("city")
            .values_list("city", flat=True).distinct()
        )
        self.fields["city"].choices = anything + [(city, city) for city in cities]
        areas = (
            Location.objects.exclude(postal_code="").order_by("postal_code")
            .values_list("postal_code", flat=True).distinct()
        )
        self.fields["area"].choices = anything + [(area, area) for area in areas]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("HSDS file"),
        help_text=_("Open Referral HSDS 3.0: JSON (organizations or services, a list, a page or "
                    "one record) or the tabular datapackage as a zip of CSV files."),
    )
    all_or_nothing = forms.BooleanField(
        label=_("All or nothing: import nothing if any record is rejected"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = import_limit()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; the limit is %(limit)s. Split it into smaller "
                  "files (by organisation) and import each."),
                params={"size": upload.size, "limit": limit},
            )
        upload.seek(0)
        start = upload.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        upload.seek(0)
        if not start.startswith(STARTS):
            raise forms.ValidationError(_(
                "This is neither JSON nor a zip: upload HSDS 3.0 JSON, or the tabular "
                "datapackage (CSV files with datapackage.json) as a zip."
            ))
        return upload


class TermMappingForm(forms.Form):
    category = forms.ChoiceField(label=_("Our category"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Not mapped"))] + list(Service.Category.choices)


class StaffAddForm(forms.Form):
    username = forms.CharField(
        label=_("User name of an existing provider staff account"), max_length=150
    )


class CapacityForm(forms.Form):
    capacity_status = forms.ChoiceField(label=_("Capacity"), choices=Service.Capacity.choices)
    open_places = forms.IntegerField(
        label=_("Open places"), required=False, min_value=0, max_value=100000,
        help_text=_("Leave empty if you do not count places."),
    )

    def clean(self):
        cleaned = super().clean()
        status, places = cleaned.get("capacity_status"), cleaned.get("open_places")
        if status == Service.Capacity.OPEN and places == 0:
            self.add_error(
                "open_places",
                _("An open service needs at least one place: choose waitlist or closed instead."),
            )
        return cleaned
