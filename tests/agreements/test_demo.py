import importlib
import io

from agreements.models import Agreement, AgreementVersion, ChannelRule, Signature, VersionStatus
from partnerportal.management.commands.seed_demo import Demo


def _counts():
    return (
        Agreement.objects.count(),
        AgreementVersion.objects.count(),
        ChannelRule.objects.count(),
        Signature.objects.count(),
    )


def _seed():
    """The apps agreements builds on, then agreements itself (the order of seed_demo)."""
    demo = Demo(stdout=io.StringIO())
    for app in ("partners", "kpis", "agreements"):
        importlib.import_module(f"{app}.demo").seed(demo)


def test_demo_agreements_are_complete_and_idempotent(db):
    _seed()
    counts = _counts()
    assert counts[0] == 4
    assert AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).count() == 4
    pending = AgreementVersion.objects.get(status=VersionStatus.IN_REVIEW)
    assert pending.agreement.partner.name == "DanLog 3PL A/S"
    assert pending.signatures.get().party == "host"
    active = pending.agreement.versions.get(status=VersionStatus.ACTIVE)
    assert active.review_date and active.escalationstep_set.count() == 4
    assert active.signatures.count() == 2
    _seed()
    assert _counts() == counts
