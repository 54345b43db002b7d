"""The "KPI figures missing" reminder moved from meetings to kpis: its kind "meetings.kpi_missing" is now
"kpis.data_missing". Stored notifications and people's e-mail preferences move with it, and so does the
reminder's row in the beat schedule (its name and task), so a choice made in the admin (disabled) stays.
Everything moves back on reverse."""

from django.db import migrations

OLD_KIND, NEW_KIND = "meetings.kpi_missing", "kpis.data_missing"
OLD_TASK = ("Meetings: missing KPI data", "meetings.tasks.remind_missing_kpi_data")
NEW_TASK = ("KPIs: remind partners of missing figures", "kpis.tasks.remind_missing_data")


def rename_kind(apps, old, new):
    Notification = apps.get_model("notifications", "Notification")
    NotificationPreference = apps.get_model("notifications", "NotificationPreference")
    Notification.objects.filter(kind=old).update(kind=new)
    # A person cannot hold two preferences for one kind: one already stored under the new name wins.
    taken = NotificationPreference.objects.filter(kind=new).values_list("user_id", flat=True)
    NotificationPreference.objects.filter(kind=old, user_id__in=list(taken)).delete()
    NotificationPreference.objects.filter(kind=old).update(kind=new)


def move_task(apps, old, new):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(name=new[0]).exists():
        PeriodicTask.objects.filter(name=old[0]).delete()
    else:
        PeriodicTask.objects.filter(name=old[0]).update(name=new[0], task=new[1])


def forwards(apps, schema_editor):
    rename_kind(apps, OLD_KIND, NEW_KIND)
    move_task(apps, OLD_TASK, NEW_TASK)


def backwards(apps, schema_editor):
    rename_kind(apps, NEW_KIND, OLD_KIND)
    move_task(apps, NEW_TASK, OLD_TASK)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_kinds_named_by_app"),
        ("django_celery_beat", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
