from django.db import migrations


def create_standard_kpis(apps, schema_editor):
    from kpis.standard import STANDARD_KPIS

    KPIDefinition = apps.get_model("kpis", "KPIDefinition")
    for spec in STANDARD_KPIS:
        fields = {k: v for k, v in spec.items() if k != "code"}
        KPIDefinition.objects.update_or_create(code=spec["code"], defaults={**fields, "is_standard": True})


def remove_standard_kpis(apps, schema_editor):
    from kpis.standard import STANDARD_KPIS

    KPIDefinition = apps.get_model("kpis", "KPIDefinition")
    KPIDefinition.objects.filter(code__in=[s["code"] for s in STANDARD_KPIS], measurements__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("kpis", "0001_initial")]

    operations = [migrations.RunPython(create_standard_kpis, remove_standard_kpis)]
