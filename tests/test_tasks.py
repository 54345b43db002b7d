"""The Celery tasks follow one convention (partnerportal/schedule.py): each is named, has a time limit
and is registered with the worker; every periodic task in the beat schedule names a registered task."""

import inspect

import pytest

from partnerportal import schedule
from partnerportal.celery import app as celery_app

APPS = ("partnerportal", "partners", "kpis", "agreements", "meetings", "relations")


def _ours():
    celery_app.loader.import_default_modules()
    return {name: task for name, task in celery_app.tasks.items() if task.__module__.split(".")[0] in APPS}


def test_the_project_has_tasks():
    assert len(_ours()) >= 12


@pytest.mark.parametrize("name", sorted(_ours()))
def test_every_task_is_named_and_has_a_time_limit(name):
    task = celery_app.tasks[name]
    assert name == f"{task.__module__}.{task.__name__}", "the name is the task's path (what beat stores)"
    assert task.soft_time_limit and task.time_limit and task.time_limit > task.soft_time_limit


@pytest.mark.parametrize("name", sorted(_ours()))
def test_every_task_is_one_line_calling_a_service(name):
    source = inspect.getsource(celery_app.tasks[name].run)
    body = [line for line in inspect.cleandoc(source.split(":\n", 1)[1]).splitlines() if line.strip()]
    code = [line for line in body if not line.lstrip().startswith(("#", '"""', "'''"))]
    # a docstring may come first; what runs is one return statement
    while code and not code[0].lstrip().startswith("return "):
        code.pop(0)
    assert len(code) == 1 and code[0].lstrip().startswith("return "), source


def test_every_periodic_task_names_a_registered_task():
    tasks = _ours()
    specs = schedule.registered()
    assert specs
    for spec in specs:
        assert spec.task in tasks, spec
