"""The difference between two versions, field by field and row by row."""

from datetime import timedelta

from agreements import services
from agreements.models import ChannelRule, EscalationStep, Party, Responsibility
from agreements.selectors import version_diff, version_queryset
from tests.agreements import helpers


def _section(diff, key):
    return next(s for s in diff["sections"] if s["key"] == key)


def test_identical_versions_have_no_changes(world):
    active = helpers.active(world, world.partner_a)
    draft = services.draft_create(agreement=active.agreement, user=world.admin)
    diff = version_diff(old=active, new=draft)
    assert diff["has_changes"] is False
    assert diff["fields"] == []


def test_diff_reports_fields_and_added_removed_changed_rows(world):
    active = helpers.active(world, world.partner_a)
    draft = services.draft_create(agreement=active.agreement, user=world.admin)
    new_review = active.review_date + timedelta(days=30)
    services.version_update(version=draft, user=world.admin, review_date=new_review, summary="New scope")
    rule = draft.channelrule_set.get()
    rule.response_hours = 2
    rule.channel = "phone"
    services.row_save(version=draft, row=rule, user=world.admin)
    services.row_save(
        version=draft,
        row=ChannelRule(topic="invoices", channel="email", response_hours=48, party=Party.HOST, user=world.admin),
        user=world.admin,
    )
    services.row_delete(row=draft.escalationstep_set.get(), user=world.admin)
    services.row_save(
        version=draft,
        row=EscalationStep(level=2, after_hours=24, party=Party.HOST, user=world.admin),
        user=world.admin,
    )
    host_row = draft.responsibility_set.get(party=Party.HOST)
    host_row.responsible_for = "Receiving and put-away"
    services.row_save(version=draft, row=host_row, user=world.admin)

    diff = version_diff(old=version_queryset().get(pk=active.pk), new=version_queryset().get(pk=draft.pk))
    assert diff["has_changes"]
    fields = {f["field"]: (f["old"], f["new"]) for f in diff["fields"]}
    assert fields["summary"] == ("Scope.", "New scope")
    assert "review_date" in fields
    assert "effective_from" not in fields  # life-cycle dates are not content

    channels = _section(diff, "channels")
    assert [a["label"] for a in channels["added"]] == ["Invoices"]
    assert "channel: E-mail" in channels["added"][0]["summary"]
    assert "response time (hours): 48" in channels["added"][0]["summary"]
    assert channels["removed"] == []
    (changed,) = channels["changed"]
    assert changed["label"] == "Delivery delays"
    assert {c["field"]: (c["old"], c["new"]) for c in changed["changes"]} == {
        "channel": ("Portal notice", "Phone"),
        "response_hours": ("4", "2"),
    }
    escalation = _section(diff, "escalation")
    assert [r["label"] for r in escalation["removed"]] == ["Level 1"]
    assert [r["label"] for r in escalation["added"]] == ["Level 2"]
    responsibilities = _section(diff, "responsibilities")
    (changed,) = responsibilities["changed"]
    assert changed["label"] == "Inbound (Host)"
    assert changed["changes"][0]["new"] == "Receiving and put-away"
    # Unchanged partner row is neither added, removed nor changed.
    assert responsibilities["added"] == [] and responsibilities["removed"] == []


def test_rows_match_by_natural_key_not_by_id(world):
    active = helpers.active(world, world.partner_a)
    draft = services.draft_create(agreement=active.agreement, user=world.admin)
    row = draft.responsibility_set.get(party=Party.PARTNER)
    services.row_delete(row=row, user=world.admin)
    services.row_save(
        version=draft,
        row=Responsibility(
            party=Party.PARTNER, activity="inbound ", contact=row.contact, responsible_for=row.responsible_for
        ),
        user=world.admin,
    )
    diff = version_diff(old=active, new=draft)
    assert not _section(diff, "responsibilities")["has_changes"]
