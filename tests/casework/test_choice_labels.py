"""Choice labels read from a table made once per field (models.ChoiceLabels) say what Django's
own get_FOO_display says, in each language, for every value and for a value with no label."""

import pytest
from django.db import models
from django.utils import translation

from casework.models import Case, Task


def _fields_with_choices(model):
    return [f for f in model._meta.concrete_fields if f.choices]


@pytest.mark.parametrize("model", [Case, Task])
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_label_is_djangos_own_in_each_language(model, language):
    with translation.override(language):
        for field in _fields_with_choices(model):
            for value in [value for value, _ in field.flatchoices] + ["no-such-value"]:
                instance = model(**{field.attname: value})  # the stage is set only once
                display = getattr(instance, f"get_{field.name}_display")()
                assert display == models.Model._get_FIELD_display(instance, field)


def test_the_stage_label_follows_the_language():
    case = Case(stage=Case.Stage.INTAKE)
    with translation.override("en"):
        english = case.get_stage_display()
    with translation.override("es"):
        spanish = case.get_stage_display()
    assert english == "Intake"
    assert spanish not in ("", english)
