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


# Widgets drawn in Python: the very bytes Django's Jinja2 templates write ----------------------

TRICKY = "Riverside <Collective> & \"Co\" 'x'"


def _project_forms():
    import inspect

    from django import forms as django_forms

    from audit import forms as audit_forms
    from casework.accounts import forms as account_forms
    from mdt import forms as mdt_forms
    from providers import forms as provider_forms
    from referrals import forms as referral_forms
    from referrals import provider_forms as send_forms

    for module in (forms, account_forms, audit_forms, mdt_forms, provider_forms, referral_forms,
                   send_forms):
        for _, form_class in inspect.getmembers(module, inspect.isclass):
            if issubclass(form_class, django_forms.BaseForm) and form_class.__module__ == (
                module.__name__
            ):
                yield form_class


@pytest.mark.django_db
def test_every_widget_drawn_in_python_is_what_the_jinja2_template_draws():
    from django.forms.renderers import Jinja2

    OrganizationFactory(name=TRICKY)
    jinja, python = Jinja2(), WidgetRenderer()
    compared = set()
    for form_class in _project_forms():
        for data in (None, dict.fromkeys(form_class.base_fields, TRICKY)):
            try:
                form = form_class(data)
            except TypeError:  # needs arguments of its own: drawn by the page tests
                continue
            for field in form:
                widget = field.field.widget
                extra = {"class": "usa-input", "aria-invalid": "true", "hidden": True,
                         "disabled": False, "id": field.auto_id}
                context = widget.get_context(field.html_name, field.value(),
                                             {**widget.attrs, **extra})
                assert python.render(widget.template_name, context) == jinja.render(
                    widget.template_name, context), (form_class.__name__, field.name)
                compared.add(widget.template_name)
    assert {"django/forms/widgets/select.html", "django/forms/widgets/textarea.html",
            "django/forms/widgets/text.html", "django/forms/widgets/date.html"} <= compared


@pytest.mark.django_db
def test_a_whole_field_ties_its_label_hint_and_errors_to_its_widget():
    from casework.rendering import form_field

    form = forms.ConsentForm({"purpose": "nonsense"})
    form.is_valid()
    html = form_field(form["purpose"])
    assert 'class="usa-form-group usa-form-group--error"' in html
    assert f'<label class="usa-label usa-label--error" for="{form["purpose"].auto_id}">' in html
    assert '<span class="usa-error-message" role="alert">' in html
    assert 'aria-invalid="true"' in html
    hinted = form["service_category"]
    assert f'id="{hinted.auto_id}-hint"' in form_field(hinted)
    assert f'aria-describedby="{hinted.auto_id}-hint"' in form_field(hinted)
    optional = form["expires_on"]
    assert "(optional)" in form_field(optional)
    assert "(optional)" not in form_field(optional, quiet=True)
    boxes = form_field(form["data_categories"])
    assert boxes.count('type="checkbox"') == len(form.fields["data_categories"].choices)
    assert "<legend" in boxes


def test_a_field_label_is_escaped():
    from django import forms as django_forms

    from casework.rendering import form_field

    class Probe(django_forms.Form):
        name = django_forms.CharField(label="<b>Name</b>", help_text="<i>hint</i>")

    html = form_field(Probe()["name"])
    assert "<b>" not in html and "&lt;b&gt;Name&lt;/b&gt;" in html
    assert "<i>" not in html
