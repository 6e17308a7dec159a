"""Ship the default assessment instrument, the note compartments, and the admin's permissions.

The instrument covers both pathways: a structured-professional-judgement layout for prevention
in three dimensions (engagement, intent, capability) plus protective factors, as in the
Vulnerability Assessment Framework used by multi-agency prevention panels, and the needs people
returning from prison most often have. Admins adapt it by publishing a new version (admin site).

Plans written before goals existed (aims and services only) become one goal with an intervention
per service, so "an approved plan with an active intervention" holds for them as it did before.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.utils import timezone

RISK, PROTECTIVE, NEED = "risk", "protective", "need"

# (code, title, kind, guidance, [(code, title, guidance), ...])
DEFAULT_INSTRUMENT = [
    ("engagement", "Engagement", RISK,
     "Needs, susceptibilities and influences that could draw the person towards a group, cause "
     "or ideology that justifies violence.", [
         ("grievance", "Grievance and injustice",
          "A sense of personal or group grievance, or of injustice done to them or others."),
         ("threat", "Feeling under threat", "Feels their group, identity or self is threatened."),
         ("identity", "Need for identity, meaning and belonging",
          "Looking for purpose, acceptance or a place to belong."),
         ("status", "Desire for status", "Seeks recognition, respect or power."),
         ("excitement", "Excitement and adventure", "Drawn by thrill, risk or a sense of mission."),
         ("influence", "Susceptibility to influence",
          "Easily influenced or exploited by others, online or in person."),
         ("family_violence", "Family or friends who support violence",
          "People close to them condone or promote violence."),
         ("transitions", "Transitional periods",
          "Life changes such as leaving school or prison, bereavement or moving."),
         ("group_influence", "Group influence and control",
          "Under the influence or control of a group."),
         ("mental_health", "Mental health",
          "Mental health needs that may add to vulnerability (record detail in a health-only "
          "note)."),
     ]),
    ("intent", "Intent", RISK,
     "Whether the person is prepared to use violence or to support others who do.", [
         ("over_identification", "Over-identification with a group or cause", ""),
         ("us_and_them", "Us-and-them thinking", ""),
         ("dehumanisation", "Dehumanising others", ""),
         ("justifies_offending", "Attitudes that justify offending", ""),
         ("harmful_means", "Harmful means to an end", ""),
         ("harmful_ends", "Harmful end objectives", ""),
     ]),
    ("capability", "Capability", RISK,
     "Whether the person could cause harm.", [
         ("knowledge_skills", "Knowledge and skills", ""),
         ("networks", "Access to networks", ""),
         ("funding_weapons", "Access to funding or weapons", ""),
         ("criminal_history", "Criminal history", ""),
     ]),
    ("protective", "Protective factors", PROTECTIVE,
     "What already helps. Rate how strong each factor is: high means a strong protective factor.", [
         ("family_community", "Family and community ties", ""),
         ("employment_education", "Employment or education", ""),
         ("help_seeking", "Help-seeking", "Willing to ask for and accept support."),
         ("positive_relationships", "Positive relationships", ""),
     ]),
    ("housing_income", "Housing, work and income", NEED,
     "Re-entry needs: rate how much help is needed.", [
         ("housing", "Housing", "Somewhere safe and stable to live."),
         ("employment", "Employment", ""),
         ("id_documents", "Identification documents",
          "Birth certificate, state ID, social security card."),
         ("benefits", "Benefits", "Access to the benefits they are entitled to."),
     ]),
    ("health", "Health", NEED, "", [
         ("physical_health", "Physical health", ""),
         ("mental_health", "Mental health", ""),
         ("substance_use", "Substance use", ""),
     ]),
    ("family_support", "Family and support", NEED, "", [
         ("family_children", "Family and children", ""),
         ("mentoring", "Mentoring", "Would benefit from a mentor or peer support."),
     ]),
    ("skills_travel", "Education and getting about", NEED, "", [
         ("education_training", "Education and training", ""),
         ("transport", "Transport", ""),
     ]),
    ("legal", "Legal obligations", NEED, "", [
         ("supervision", "Legal obligations and supervision conditions",
          "Probation or parole conditions, court dates, fines, registration duties."),
     ]),
]

COMPARTMENTS = ["compartment_law_enforcement", "compartment_health"]

ADMIN_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("instrument", "domain", "factor")
    for action in ("view", "add", "change", "delete")
]


def create_default_instrument(apps, schema_editor):
    Instrument = apps.get_model("casework", "Instrument")
    Domain = apps.get_model("casework", "Domain")
    Factor = apps.get_model("casework", "Factor")
    if Instrument.objects.filter(key="default").exists():
        return
    instrument = Instrument.objects.create(
        key="default",
        version=1,
        name="Prevention and re-entry assessment",
        description="Engagement, intent and capability, protective factors, and re-entry needs.",
        published_at=timezone.now(),
    )
    for d_order, (code, title, kind, guidance, factors) in enumerate(DEFAULT_INSTRUMENT):
        domain = Domain.objects.create(
            instrument=instrument, code=code, title=title, kind=kind, guidance=guidance,
            order=d_order,
        )
        for f_order, (f_code, f_title, f_guidance) in enumerate(factors):
            Factor.objects.create(
                domain=domain, code=f_code, title=f_title, guidance=f_guidance, order=f_order
            )


def create_groups_and_permissions(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in COMPARTMENTS:
        Group.objects.get_or_create(name=name)
    admin, _ = Group.objects.get_or_create(name="admin")
    admin.permissions.add(
        *Permission.objects.filter(content_type__app_label="casework",
                                   codename__in=ADMIN_PERMISSIONS)
    )


def convert_legacy_plans(apps, schema_editor):
    ServicePlan = apps.get_model("casework", "ServicePlan")
    PlanGoal = apps.get_model("casework", "PlanGoal")
    Intervention = apps.get_model("casework", "Intervention")
    for plan in ServicePlan.objects.filter(plan_goals__isnull=True).prefetch_related("services"):
        services = list(plan.services.all())
        if not services:
            continue
        goal = PlanGoal.objects.create(plan=plan, description=plan.goals, order=0)
        for service in services:
            Intervention.objects.create(goal=goal, service=service, frequency="as_needed")
        plan.goals = ""
        plan.save(update_fields=["goals"])


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=COMPARTMENTS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("casework", "0004_assessment_plan_follow_up_notes_tasks"),
    ]

    operations = [
        migrations.RunPython(create_default_instrument, migrations.RunPython.noop),
        migrations.RunPython(create_groups_and_permissions, remove_groups),
        migrations.RunPython(convert_legacy_plans, migrations.RunPython.noop),
    ]
