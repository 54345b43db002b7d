from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from partnerportal.notifications.models import Notification
from relations import services
from relations.models import Case, CaseEscalation, CaseFile, CaseStatus
from tests.relations import helpers

pytestmark = pytest.mark.django_db


def _move(client, case, status):
    return client.post(reverse("relations:case_status", args=[case.pk]), {"status": status}, follow=True)


def test_partner_raises_case_and_host_is_notified(world, client_as):
    client = client_as(world.a_manager)
    response = client.post(
        reverse("relations:case_create"),
        {"partner": world.partner_a.pk, "title": "Damaged pallets", "what_happened": "12 pallets arrived broken."},
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.side == "partner" and case.status == CaseStatus.OPEN
    assert set(
        Notification.objects.filter(key=f"case:{case.pk}:raised").values_list("recipient__username", flat=True)
    ) == {
        "admin",
        "manager",
    }


def test_case_needs_what_happened(world, client_as):
    response = client_as(world.manager).post(
        reverse("relations:case_create"), {"partner": world.partner_a.pk, "title": "X", "what_happened": ""}
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_full_flow_with_history_and_resolution_rule(world, client_as):
    case = helpers.case(world, world.partner_a)
    client = client_as(world.a_manager)
    _move(client, case, "investigating")
    _move(client, case, "actions_agreed")
    page = _move(client, case, "resolved").content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIONS_AGREED
    assert "how we avoid it next time" in page
    # a documented decision instead of an action item, plus the prevention text
    client.post(
        reverse("relations:case_edit", args=[case.pk]),
        {
            "title": case.title,
            "what_happened": case.what_happened,
            "impact": "",
            "root_cause": "Route planning used an old calendar.",
            "prevention": "Calendar sync checked weekly.",
            "no_action_reason": "The sync check is already part of the weekly routine; no new action needed.",
        },
    )
    _move(client, case, "resolved")
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.resolved_at is not None
    history = list(case.events.values_list("from_status", "to_status", "user__username"))
    assert history == [
        ("", "open", "manager"),
        ("open", "investigating", "a_manager"),
        ("investigating", "actions_agreed", "a_manager"),
        ("actions_agreed", "resolved", "a_manager"),
    ]


def test_resolving_without_preventive_action_is_refused_by_api(world, client_as):
    case = helpers.case(world, world.partner_a)
    client = client_as(world.manager)
    for status in ("investigating", "actions_agreed"):
        assert client.post(reverse("api:case-set-status", args=[case.pk]), {"status": status}).status_code == 200
    response = client.post(reverse("api:case-set-status", args=[case.pk]), {"status": "resolved"})
    assert response.status_code == 400
    assert "avoid it next time" in str(response.json())
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIONS_AGREED and case.resolved_at is None


def test_skipping_a_step_is_refused(world, client_as):
    case = helpers.case(world, world.partner_a)
    response = client_as(world.manager).post(reverse("api:case-set-status", args=[case.pk]), {"status": "resolved"})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_allowed_file_is_stored_privately_and_downloaded_through_the_view(world, client_as, settings):
    case = helpers.case(world, world.partner_a)
    client = client_as(world.a_manager)
    upload = SimpleUploadedFile("report.pdf", b"%PDF-1.4 facts", content_type="application/pdf")
    client.post(reverse("relations:case_file_upload", args=[case.pk]), {"file": upload})
    attachment = CaseFile.objects.get()
    assert attachment.file.name.startswith("private/relations/cases/")
    response = client_as(world.a_viewer).get(reverse("relations:case_file", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 facts"
    assert "attachment" in response["Content-Disposition"]
    assert client_as(world.b_manager).get(reverse("relations:case_file", args=[attachment.pk])).status_code == 404


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("run.exe", b"MZ...", "not allowed"),
        ("script.html", b"<script>", "not allowed"),
        ("fake.pdf", b"MZ not a pdf", "does not match"),
    ],
)
def test_forbidden_file_type_is_refused(world, client_as, name, content, message):
    case = helpers.case(world, world.partner_a)
    response = client_as(world.manager).post(
        reverse("relations:case_file_upload", args=[case.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert message in response.content.decode()
    assert not CaseFile.objects.exists()


def test_too_large_file_is_refused(world, client_as, monkeypatch):
    monkeypatch.setattr(services.base, "MAX_FILE_BYTES", 10)
    case = helpers.case(world, world.partner_a)
    response = client_as(world.manager).post(
        reverse("relations:case_file_upload", args=[case.pk]),
        {"file": SimpleUploadedFile("big.txt", b"x" * 11)},
        follow=True,
    )
    assert "too large" in response.content.decode()
    assert not CaseFile.objects.exists()


def test_viewer_cannot_upload(world, client_as):
    case = helpers.case(world, world.partner_a)
    response = client_as(world.a_viewer).post(
        reverse("relations:case_file_upload", args=[case.pk]), {"file": SimpleUploadedFile("a.txt", b"x")}
    )
    assert response.status_code == 403
    assert not CaseFile.objects.exists()


@override_settings(MEDIA_URL="/media/")
def test_no_public_media_url_serves_files(world, client_as):
    case = helpers.case(world, world.partner_a)
    services.case_attach_file(user=world.manager, case=case, uploaded=SimpleUploadedFile("a.txt", b"secret"))
    attachment = CaseFile.objects.get()
    assert client_as(world.b_manager).get("/media/" + attachment.file.name).status_code == 404
    assert "/media/" not in client_as(world.manager).get(case.get_absolute_url()).content.decode()


def _age(case, hours):
    Case.objects.filter(pk=case.pk).update(last_progress_at=timezone.now() - timedelta(hours=hours))


def test_escalation_once_per_level_with_default_ladder(world):
    case = helpers.case(world, world.partner_a, by=world.a_manager)
    assert services.escalate_overdue_cases() == []  # fresh case: within the 24 h response time
    _age(case, 25)
    assert [e.level for e in services.escalate_overdue_cases()] == [1]
    assert services.escalate_overdue_cases() == []  # once per level, whatever the retries
    level1 = Notification.objects.filter(key=f"case:{case.pk}:escalation:1")
    assert {n.recipient.username for n in level1} == {"manager", "a_manager"}
    _age(case, 49)
    assert [e.level for e in services.escalate_overdue_cases()] == [2]
    assert services.escalate_overdue_cases() == []
    assert {n.recipient.username for n in Notification.objects.filter(key=f"case:{case.pk}:escalation:2")} == {"admin"}
    assert list(CaseEscalation.objects.values_list("level", flat=True)) == [1, 2]


def test_progress_resets_the_clock_and_resolved_cases_never_escalate(world):
    case = helpers.case(world, world.partner_a)
    _age(case, 30)
    services.case_set_status(user=world.a_manager, case=case, status="investigating")
    assert services.escalate_overdue_cases() == []
    other = helpers.case(world, world.partner_a, title="Other")
    services.case_update(user=world.manager, case=other, prevention="p", no_action_reason="n")
    services.case_set_status(user=world.manager, case=other, status="investigating")
    services.case_set_status(user=world.manager, case=other, status="actions_agreed")
    services.case_set_status(user=world.manager, case=other, status="resolved")
    _age(other, 500)
    assert services.escalate_overdue_cases() == []


def test_an_unacknowledged_case_escalates_even_while_its_own_side_updates_it(world):
    case = helpers.case(world, world.partner_a, by=world.a_manager)
    Case.objects.filter(pk=case.pk).update(raised_at=timezone.now() - timedelta(hours=25))
    services.case_update(user=world.a_manager, case=case, impact="Two trucks waited three hours.")
    assert [e.level for e in services.escalate_overdue_cases()] == [1]
    message = Notification.objects.filter(key=f"case:{case.pk}:escalation:1").first()
    assert "has not been acknowledged by the other side for 25 hours" in message.body
    # Once the host acknowledges, the clock runs from the last progress again.
    other = helpers.case(world, world.partner_a, by=world.a_manager, title="Acknowledged")
    Case.objects.filter(pk=other.pk).update(raised_at=timezone.now() - timedelta(hours=25))
    services.case_acknowledge(user=world.manager, case=other)
    assert services.escalate_overdue_cases() == []


def test_escalation_follows_the_agreement_ladder(world):
    agreements = pytest.importorskip("agreements.models")
    agreement = agreements.Agreement.objects.create(partner=world.partner_a, title="Samarbejdsaftale")
    version = agreements.AgreementVersion.objects.create(agreement=agreement, number=1, created_by=world.manager)
    agreements.ChannelRule.objects.create(
        version=version, topic="escalations", channel="email", response_hours=4, party="host", user=world.manager
    )
    agreements.EscalationStep.objects.create(version=version, level=1, after_hours=0, party="host", user=world.manager)
    agreements.EscalationStep.objects.create(version=version, level=2, after_hours=8, party="host", user=world.admin)
    agreements.AgreementVersion.objects.filter(pk=version.pk)  # rows were added while a draft
    version.status = "in_review"
    version.save()
    version.status = "active"
    version.activated_at = timezone.now()
    version.save()
    case = helpers.case(world, world.partner_a, by=world.a_manager)
    _age(case, 5)
    assert [e.level for e in services.escalate_overdue_cases()] == [1]
    _age(case, 11)
    assert services.escalate_overdue_cases() == []  # level 2 is due after 4 + 8 hours
    _age(case, 13)
    assert [e.level for e in services.escalate_overdue_cases()] == [2]
    assert Notification.objects.get(key=f"case:{case.pk}:escalation:2").recipient == world.admin


def test_a_case_saved_unchanged_records_no_progress(world, client_as):
    """Issue 14: saving the edit form unchanged is no progress (it would hold off the stale-case escalation)."""
    case = helpers.case(world, world.partner_a)
    past = timezone.now() - timedelta(days=3)
    Case.objects.filter(pk=case.pk).update(last_progress_at=past)
    data = {name: getattr(case, name) for name in services.CASE_TEXT_FIELDS}
    response = client_as(world.manager).post(reverse("relations:case_edit", args=[case.pk]), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.last_progress_at == past
    services.case_update(user=world.manager, case=case, impact="Two trucks waited.")
    case.refresh_from_db()
    assert case.last_progress_at > past and case.impact == "Two trucks waited."
