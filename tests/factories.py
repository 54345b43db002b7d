import factory
from factory.django import DjangoModelFactory

from partners.models import Organization, OrganizationKind, Role, Site, User

PASSWORD = "correct-horse-battery-9"


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Partner {n} A/S")
    kind = OrganizationKind.THIRD_PARTY_LOGISTICS
    city = "Aarhus"


class HostFactory(OrganizationFactory):
    name = "Nordlager A/S"
    kind = OrganizationKind.HOST


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    organization = factory.SubFactory(HostFactory)
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    code = factory.Sequence(lambda n: f"WH{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Testesen"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.PARTNER_MANAGER
    organization = factory.SubFactory(OrganizationFactory)
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
