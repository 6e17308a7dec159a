"""Spanish throughout: the catalog is complete, in step with the source and compiled; pages follow
the browser's language, or the user's own choice from their account page; emails too."""

import datetime
import gettext
import os
import shutil

import polib
import pytest
from django import forms
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from casework.accounts.models import Preference
from casework.management.commands import translations
from tests.factories import UserFactory

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


def committed_po() -> polib.POFile:
    return polib.pofile(str(translations.po_path()))


# The catalog ------------------------------------------------------------------------------------


def test_every_msgid_has_a_spanish_translation():
    po = committed_po()
    assert len(po) > 1000
    untranslated = {entry.msgid: translations.problems(entry) for entry in po
                    if translations.problems(entry) or entry.obsolete}
    assert not untranslated, (
        f"{len(untranslated)} msgids lack a Spanish translation or keep the wrong placeholders: "
        "run `manage.py translations --add-missing`, fill locale/es/translations.json, and run "
        f"`manage.py translations` (docs/i18n.md). {untranslated}")


def test_the_check_finds_a_missing_translation_and_a_lost_placeholder():
    missing = polib.POEntry(msgid="Case %(ref)s", msgstr="")
    lost = polib.POEntry(msgid="Case %(ref)s", msgstr="Caso")
    plural = polib.POEntry(msgid="%(n)s case", msgid_plural="%(n)s cases",
                           msgstr_plural={0: "Un caso", 1: "%(n)s casos"})
    wrong_plural = polib.POEntry(msgid="%(n)s case", msgid_plural="%(n)s cases",
                                 msgstr_plural={0: "%(n)s caso", 1: "casos"})
    assert translations.problems(missing) == ["no Spanish translation"]
    assert translations.problems(lost)
    assert translations.problems(plural) == []
    assert translations.problems(wrong_plural)


def test_the_compiled_catalog_is_the_po_file_compiled():
    with open(translations.mo_path(), "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = {k: v for k, v in compiled._catalog.items() if k != ""}  # "" is the header
    assert catalog == translations.catalog_of_po(committed_po()), (
        "django.mo is not django.po compiled: run `manage.py translations` and commit both.")
    assert compiled.plural(1) == 0 and compiled.plural(2) == 1


def test_the_po_file_is_in_step_with_the_source(tmp_path, monkeypatch):
    """makemessages over the source now, into a scratch dir: a string marked since the catalog
    was made, or a translation added to translations.json and not merged, fails here."""
    if not (shutil.which("xgettext") and shutil.which("msguniq")):
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) is missing: .ci/run installs the gettext package.")
        pytest.skip("needs GNU gettext (xgettext) for makemessages")
    monkeypatch.chdir(settings.BASE_DIR)  # makemessages reads the tree below the current dir
    fresh = polib.pofile(str(translations.extract(tmp_path)))
    missing = translations.fill(fresh, translations.load_source())
    committed = committed_po()
    new = {translations.key(e) for e in fresh} - {translations.key(e) for e in committed}
    gone = {translations.key(e) for e in committed} - {translations.key(e) for e in fresh}
    assert not new and not gone, (
        f"django.po is not in step with the source: new msgids {sorted(new)}, no longer in the "
        f"source {sorted(gone)}. Run `manage.py translations` (docs/i18n.md).")
    assert not missing, [entry.msgid for entry in missing]
    assert translations.catalog_of_po(fresh) == translations.catalog_of_po(committed), (
        "translations.json and django.po differ: run `manage.py translations`.")


# Pages in the browser's language ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_sign_in_page_follows_the_browser(client):
    page = client.get(reverse("login"), **SPANISH)
    html = page.content.decode()
    assert page.status_code == 200 and page["Content-Language"] == "es"
    assert '<html lang="es">' in html
    assert "Iniciar sesión" in html and "Solo para uso autorizado" in html
    assert "Sign in" not in html
    english = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in" in english and "Iniciar sesión" not in english


@pytest.mark.django_db
def test_the_public_forms_follow_the_browser(client):
    referral = client.get(reverse("referral-public"), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    html = referral.content.decode()
    assert referral.status_code == 200
    assert "Cuéntenos sobre alguien que le preocupa" in html
    assert "Llame primero al 911" in html and "Enviar de forma segura" in html
    assert "Tell us about someone" not in html
    bias = client.get(reverse("bias-report"), **SPANISH).content.decode()
    assert "¿Hay alguien en peligro en este momento?" in bias and "Enviar el informe" in bias


@pytest.mark.django_db
def test_a_refused_public_form_says_what_is_wrong_in_spanish(client):
    page = client.post(reverse("referral-public"), {"first_name": ""}, **SPANISH)
    assert page.status_code == 400
    assert "Corrija lo siguiente" in page.content.decode()


@pytest.mark.django_db
def test_a_case_page_is_in_spanish(client_for, alice, alices_case):
    page = client_for(alice).get(alices_case.get_absolute_url(), **SPANISH)
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Caso {alices_case.reference}" in html
    for text in ("Admisión", "Cronología", "Escribir una nota", "Guardar la nota", "Mis casos"):
        assert text in html, text
    assert "Write a note" not in html and "Timeline" not in html


@pytest.mark.django_db
def test_error_pages_are_in_spanish(client_for, alice):
    page = client_for(alice).get("/cases/C-NOSUCHCASE/", **SPANISH)
    assert page.status_code == 404
    assert "Página no encontrada" in page.content.decode()


# The user's own choice --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_chosen_language_holds_over_the_browser_and_at_the_next_sign_in(client, alice):
    client.force_login(alice)
    answer = client.post(reverse("account-language"), {"language": "es"},
                         HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 302
    assert Preference.objects.get(user=alice).language == "es"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get(reverse("account-security"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Su idioma se guardó." in page and "Su inicio de sesión" in page

    client.post(reverse("logout"))
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)  # another browser: only the account knows
    client.force_login(alice)  # signs in through django.contrib.auth.login, as the login page
    dashboard = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert dashboard["Content-Language"] == "es"
    assert "Panel principal" in dashboard.content.decode()


@pytest.mark.django_db
def test_no_choice_follows_the_browser_again(client, alice):
    Preference.objects.create(user=alice, language="es")
    client.force_login(alice)
    client.post(reverse("account-language"), {"language": ""})
    assert Preference.objects.get(user=alice).language == ""
    page = client.get(reverse("account-security"), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "en"
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies or not client.cookies[
        settings.LANGUAGE_COOKIE_NAME].value


@pytest.mark.django_db
def test_a_language_not_offered_is_refused_and_changes_nothing(client, alice):
    client.force_login(alice)
    answer = client.post(reverse("account-language"), {"language": "fr"})
    assert answer.status_code == 400
    assert "Choose a language from the list." in answer.content.decode()
    assert not Preference.objects.filter(user=alice).exists()


@pytest.mark.django_db
def test_the_account_page_offers_each_language_in_itself(client_for, alice):
    page = client_for(alice).get(reverse("account-security")).content.decode()
    assert 'value="es"' in page and "Español" in page and "English" in page


@pytest.mark.django_db
def test_emails_go_in_the_recipients_language(alice, north):
    from casework import tasks
    from tests.factories import CaseFactory

    Preference.objects.create(user=alice, language="es")
    case = CaseFactory(team=north, caseworker=alice)
    translation.activate("en")  # whatever an earlier test's request left active in this thread
    tasks.notify_assignment(case.pk, alice.pk)
    assert mail.outbox[-1].subject == "Se le asignó un caso"
    assert f"Se le asignó el caso {case.reference}." in mail.outbox[-1].body
    english = UserFactory(username="eve")
    assert translation.get_language() == "en"  # the task gave the thread its language back
    with translation.override("en"):
        case.caseworker = english
        case.save()
    tasks.notify_assignment(case.pk, english.pk)
    assert mail.outbox[-1].subject == "A case has been assigned to you"


@pytest.mark.django_db
def test_a_notice_to_several_people_goes_to_each_in_their_language(ivy):
    from casework import roles
    from casework.models import Notification
    from referrals import tasks
    from tests.factories import ReferralFactory

    isabel = UserFactory(username="isabel", roles=[roles.INTAKE])
    Preference.objects.create(user=isabel, language="es")
    referral = ReferralFactory(urgency="immediate")
    with translation.override("es"):  # whoever sent the form: it must not decide
        tasks.notify_immediate_risk(referral.pk)
    spanish = Notification.objects.get(user=isabel).message
    english = Notification.objects.get(user=ivy).message
    assert spanish.startswith("Se recibió la remisión de riesgo inmediato")
    assert english.startswith("Immediate-risk referral")
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects == {isabel.email: "Se recibió una remisión de riesgo inmediato",
                        ivy.email: "Immediate-risk referral received"}


# Dates, numbers and plurals ---------------------------------------------------------------------


def test_dates_plurals_and_date_inputs_in_spanish():
    day = datetime.date(2026, 12, 1)
    with translation.override("es"):
        text = Template('{% load i18n %}{{ d|date:"DATE_FORMAT" }} · {{ d|date:"j M Y" }} · '
                        '{% blocktranslate count counter=n %}{{ counter }} entry{% plural %}'
                        '{{ counter }} entries{% endblocktranslate %} · {{ x }}').render(
            Context({"d": day, "n": 3, "x": 2.5}))
        assert text == "1 de diciembre de 2026 · 1 Dic 2026 · 3 entradas · 2.5"
        one = Template('{% load i18n %}{% blocktranslate count counter=1 %}{{ counter }} entry'
                       '{% plural %}{{ counter }} entries{% endblocktranslate %}').render(Context())
        assert one == "1 entrada"
        # A date input shows and sends ISO dates whatever the language; Django's own Spanish
        # formats would draw 01/12/2026, which a browser's date field leaves empty.
        assert 'value="2026-12-01"' in forms.DateInput(attrs={"type": "date"}).render("d", day)
        assert forms.DateField().clean("2026-12-01") == day


@pytest.mark.django_db
def test_a_visitor_can_switch_the_public_forms_to_spanish(client):
    form = client.get(reverse("referral-public"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="es"' in form and "Español" in form
    answer = client.post(reverse("language-visitor"),
                         {"language": "es", "next": reverse("referral-public")},
                         HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 303 and answer["Location"] == reverse("referral-public")
    page = client.get(reverse("referral-public"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Cuéntenos sobre alguien que le preocupa" in page and ">English<" in page


@pytest.mark.django_db
def test_a_visitor_switch_goes_nowhere_but_this_site(client):
    answer = client.post(reverse("language-visitor"),
                         {"language": "es", "next": "https://elsewhere.example/"})
    assert answer.status_code == 303 and answer["Location"] == "/"


@pytest.mark.django_db
def test_signed_in_pages_have_no_visitor_switch(client_for, alice):
    page = client_for(alice).get(reverse("dashboard")).content.decode()
    assert reverse("language-visitor") not in page
