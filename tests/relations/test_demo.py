import io

import pytest

from partnerportal.management.commands.seed_demo import Demo
from relations import demo as relations_demo
from relations.models import Case, Engagement, HealthSnapshot, Kudos, Notice, RoadmapItem, SurveyResponse, TimelineEvent

pytestmark = pytest.mark.django_db

MODELS = [Notice, Case, Engagement, RoadmapItem, SurveyResponse, Kudos, HealthSnapshot, TimelineEvent]


def _seed():
    from partners import demo as partners_demo

    demo = Demo(stdout=io.StringIO())
    partners_demo.seed(demo)
    relations_demo.seed(demo)


def test_demo_history_is_plausible_and_idempotent():
    _seed()
    counts = {m.__name__: m.objects.count() for m in MODELS}
    assert counts["Notice"] >= 9 and counts["Case"] >= 4 and counts["Engagement"] >= 4
    assert Case.objects.filter(status="resolved").exists() and Notice.objects.filter(acknowledged_at=None).exists()
    assert HealthSnapshot.objects.exclude(score=None).exists()
    _seed()
    assert {m.__name__: m.objects.count() for m in MODELS} == counts
