"""gunicorn's hooks and logging for the portal, used by docker-compose.yml:

    gunicorn -c python:partnerportal.gunicorn_conf partnerportal.wsgi:application --bind ... --workers ...

(the command line gives the rest). With LOG_FORMAT=json gunicorn's own lines, the access log
included, are JSON as well (partnerportal.logs.JsonFormatter), so that every line of the web
container is. With PROMETHEUS_MULTIPROC_DIR, a worker that exits is marked dead for
prometheus_client's multiprocess mode.
"""

import os


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


if os.environ.get("LOG_FORMAT", "").lower() == "json":
    # Replaces the handlers that --access-logfile / --error-logfile set up on these two loggers.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "partnerportal.logs.JsonFormatter"}},
        "handlers": {
            "json_stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
            "json_stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        },
        # gunicorn merges this into its defaults key by key: its root logger needs a handler of ours.
        "root": {"handlers": ["json_stderr"], "level": "INFO"},
        "loggers": {
            "gunicorn.error": {"handlers": ["json_stderr"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["json_stdout"], "level": "INFO", "propagate": False},
        },
    }
