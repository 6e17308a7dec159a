"""Each need says which kind of service meets it, for the send-to-provider form.

The default instrument's needs are mapped to the directory's categories (providers.Service.
Category); an admin maps the needs of other instruments in the admin site.
"""

from django.db import migrations, models

# Need factor code -> the directory's service category that meets it.
DEFAULT_NEED_CATEGORIES = {
    "housing": "housing",
    "employment": "employment",
    "id_documents": "documents",
    "benefits": "documents",
    "mental_health": "mental_health",
    "substance_use": "substance_use",
    "family_children": "family",
    "mentoring": "mentoring",
    "education_training": "education",
    "supervision": "legal",
}


def map_default_needs(apps, schema_editor):
    Factor = apps.get_model("casework", "Factor")
    for code, category in DEFAULT_NEED_CATEGORIES.items():
        Factor.objects.filter(
            domain__instrument__key="default", domain__kind="need", code=code,
            service_category="",
        ).update(service_category=category)


class Migration(migrations.Migration):
    dependencies = [("casework", "0025_closure_requests")]

    operations = [
        migrations.AddField(
            model_name="factor",
            name="service_category",
            field=models.CharField(
                blank=True, default="", max_length=30,
                help_text="For needs: the directory's category of service that meets this need.",
                verbose_name="service category that meets it",
            ),
        ),
        migrations.RunPython(map_default_needs, migrations.RunPython.noop),
    ]
