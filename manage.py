#!/usr/bin/env python
import contextlib
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerportal.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    if sys.argv[1:2] != ["runserver"]:
        # Commands (migrate, the KPI loader, seed_demo) run long statements on purpose: they get the
        # task limit, the web server keeps the short one from the settings.
        from partnerportal.db import use_task_statement_timeout

        with contextlib.suppress(ImproperlyConfigured):  # execute_from_command_line reports it
            use_task_statement_timeout()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
