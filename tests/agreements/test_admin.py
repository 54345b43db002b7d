"""Django admin: all agreement models are there; rows of a non-draft version are read-only."""

from django.urls import reverse

from tests.agreements import helpers


def test_admin_pages_render_and_lock_signed_versions(world, client_as):
    active = helpers.active(world, world.partner_a)
    draft = helpers.revision(world, world.partner_b, send=False)
    client = client_as(world.admin)
    for name in ("agreement", "agreementversion", "signature"):
        assert client.get(reverse(f"admin:agreements_{name}_changelist")).status_code == 200
    locked = client.get(reverse("admin:agreements_agreementversion_change", args=[active.pk])).content.decode()
    editable = client.get(reverse("admin:agreements_agreementversion_change", args=[draft.pk])).content.decode()
    # The draft's rows are form fields; the active version's rows are only shown.
    assert 'name="channelrule_set-0-response_hours"' in editable
    assert 'name="channelrule_set-0-response_hours"' not in locked
    assert 'name="summary"' in editable and 'name="summary"' not in locked
    history = reverse("admin:agreements_agreementversion_history", args=[active.pk])
    assert client.get(history).status_code == 200
    assert active.history.count() >= 3  # created, sent, activated
