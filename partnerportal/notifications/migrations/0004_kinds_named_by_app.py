"""Notification kinds follow one naming style, "<app label>.<what>": the agreements' and KPIs' kinds
were written "agreement_signature", "kpi_breach", ... Stored notifications and people's e-mail
preferences move with them (and back on reverse)."""

from django.db import migrations

RENAMED = {
    "agreement_signature": "agreements.signature",
    "agreement_status": "agreements.status",
    "agreement_review": "agreements.review",
    "kpi_breach": "kpis.breach",
    "kpi_success": "kpis.success",
}


def rename(apps, mapping):
    Notification = apps.get_model("notifications", "Notification")
    NotificationPreference = apps.get_model("notifications", "NotificationPreference")
    for old, new in mapping.items():
        Notification.objects.filter(kind=old).update(kind=new)
        # A person cannot hold two preferences for one kind: a preference already stored under the
        # new name wins (none exists unless someone set it between deploy and migrate).
        taken = NotificationPreference.objects.filter(kind=new).values_list("user_id", flat=True)
        NotificationPreference.objects.filter(kind=old, user_id__in=list(taken)).delete()
        NotificationPreference.objects.filter(kind=old).update(kind=new)


def forwards(apps, schema_editor):
    rename(apps, RENAMED)


def backwards(apps, schema_editor):
    rename(apps, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_text_limits")]

    operations = [migrations.RunPython(forwards, backwards)]
