"""Widgets drawn through Jinja2 (casework.rendering) are the markup Django templates draw."""

import re

import pytest
from django.forms.renderers import DjangoTemplates
from django.urls import reverse

from casework import forms
from casework.rendering import WidgetRenderer
from tests.factories import OrganizationFactory


def markup(form_class, renderer, **kwargs):
    html = "".join(str(field.as_widget()) for field in form_class(renderer=renderer, **kwargs))
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", [
    forms.ConsentForm, forms.FollowUpForm, forms.ScheduleFollowUpForm, forms.CaseloadFilterForm,
])
def test_the_project_forms_draw_the_same_markup(form_class):
    OrganizationFactory(name="Riverside <Collective> & Co")  # escaping, in an <option>
    jinja, django = markup(form_class, WidgetRenderer()), markup(form_class, DjangoTemplates())
    assert jinja == django
    assert "<select" in jinja


@pytest.mark.django_db
def test_the_owner_choice_draws_the_people_given_and_reads_nothing(alice, bob,
                                                                   django_assert_num_queries):
    with django_assert_num_queries(0):
        html = markup(forms.TaskForm, WidgetRenderer(), owners=[bob, alice])
    assert html.index(">alice<") < html.index(">bob<")


@pytest.mark.django_db
def test_a_task_owner_outside_the_choices_is_refused(alice, bob):
    form = forms.TaskForm({"title": "Call", "owner": bob.pk, "due_on": "2099-01-01"},
                          owners=[alice])
    assert not form.is_valid() and "owner" in form.errors
    form = forms.TaskForm({"title": "Call", "owner": alice.pk, "due_on": "2099-01-01"},
                          owners=[alice])
    assert form.is_valid() and form.cleaned_data["owner"] == alice


@pytest.mark.django_db
def test_the_admin_site_still_draws_its_own_widgets(client, adam):
    client.force_login(adam)
    assert client.get(reverse("admin:mdt_panel_add")).status_code == 200
