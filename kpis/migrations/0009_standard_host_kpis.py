from django.db import migrations


def create_host_kpis(apps, schema_editor):
    from kpis.standard import HOST_KPIS

    KPIDefinition = apps.get_model("kpis", "KPIDefinition")
    for spec in HOST_KPIS:
        fields = {k: v for k, v in spec.items() if k != "code"}
        KPIDefinition.objects.update_or_create(code=spec["code"], defaults={**fields, "is_standard": True})


def remove_host_kpis(apps, schema_editor):
    from kpis.standard import HOST_KPIS

    KPIDefinition = apps.get_model("kpis", "KPIDefinition")
    KPIDefinition.objects.filter(
        code__in=[s["code"] for s in HOST_KPIS], measurements__isnull=True, assignments__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("kpis", "0008_host_kpis_subject")]

    operations = [migrations.RunPython(create_host_kpis, remove_host_kpis)]
