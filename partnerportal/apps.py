"""The shell: owns the settings, the access policy, the audit log and the base views and layout; offers
every app the hub's extension points, the notification outbox and the periodic-task schedule (imports none)."""

from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class PartnerPortalConfig(AppConfig):
    name = "partnerportal"
    verbose_name = "Partner portal"

    def ready(self):
        from . import hub, metrics  # noqa: F401 - importing metrics connects the Celery task signals it counts

        hub.register()
        from . import account_events

        account_events.connect()  # sign-ins, second factors and sessions into the audit log
        # The embedded defaults keep their files under VAR_DIR: the SQLite database, the e-mail files
        # and Celery's filesystem broker. Created here, once, rather than when the settings are read.
        folders = []
        if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
            folders.append(Path(settings.DATABASES["default"]["NAME"]).parent)
        options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        folders += [Path(options[key]) for key in ("data_folder_in", "processed_folder") if key in options]
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
