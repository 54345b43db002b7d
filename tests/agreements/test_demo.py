import io

from django.core.management import call_command

from agreements.models import Agreement, AgreementVersion, ChannelRule, Signature, VersionStatus


def _counts():
    return (
        Agreement.objects.count(),
        AgreementVersion.objects.count(),
        ChannelRule.objects.count(),
        Signature.objects.count(),
    )


def test_demo_agreements_are_complete_and_idempotent(db):
    call_command("seed_demo", stdout=io.StringIO())
    counts = _counts()
    assert counts[0] == 4
    assert AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).count() == 4
    pending = AgreementVersion.objects.get(status=VersionStatus.IN_REVIEW)
    assert pending.agreement.partner.name == "DanLog 3PL A/S"
    assert pending.signatures.get().party == "host"
    active = pending.agreement.versions.get(status=VersionStatus.ACTIVE)
    assert active.review_date and active.escalationstep_set.count() == 4
    assert active.signatures.count() == 2
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == counts
