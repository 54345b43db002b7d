import hashlib
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerportal import fields, policy
from partnerportal.account_events import AccountEventKind  # noqa: F401 - the model's choices, named here too
from partnerportal.fields import LimitedTextField


class OrganizationKind(models.TextChoices):
    HOST = policy.HOST_KIND, _("Host company")
    THIRD_PARTY_LOGISTICS = "3pl", _("3PL")
    CARRIER = "carrier", _("Carrier")
    SUPPLIER = "supplier", _("Supplier")
    CUSTOMER = "customer", _("Customer")
    SERVICE_PROVIDER = "service_provider", _("Service provider")


class ActiveFlagQuerySet(models.QuerySet):
    """`update(is_active=...)` takes the same consequences as a save: credentials of whoever is
    deactivated are revoked and the change is written to the audit trail (a bare UPDATE sends
    no signals and would leave neither)."""

    def update(self, **kwargs):
        if "is_active" not in kwargs:
            return super().update(**kwargs)
        from .services import active_flag_changed

        with transaction.atomic(using=self.db):
            before = dict(self.values_list("pk", "is_active"))
            count = super().update(**kwargs)
            after = dict(self.model._base_manager.filter(pk__in=before).values_list("pk", "is_active"))
            changed = [pk for pk, was in before.items() if pk in after and after[pk] != was]
            if changed:
                active_flag_changed(model=self.model, pks=changed)
        return count


class OrganizationQuerySet(ActiveFlagQuerySet):
    def partners(self):
        return self.exclude(kind=OrganizationKind.HOST)

    def host(self):
        return self.filter(kind=OrganizationKind.HOST)


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=OrganizationKind.choices)
    registration_number = models.CharField(_("company registration no."), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True, default="Danmark")
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    description = LimitedTextField(_("description"), max_length=fields.TEXT, blank=True)
    internal_notes = LimitedTextField(
        _("internal notes"), max_length=fields.LONG_TEXT, blank=True, help_text=_("Only host staff see these notes.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    require_mfa = models.BooleanField(
        _("require two-factor sign-in"),
        default=False,
        help_text=_("The organisation's people must set up a second factor before they can use the portal."),
    )
    partner_since = models.DateField(_("partner since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [models.UniqueConstraint(fields=["kind"], condition=Q(kind="host"), name="one_host_organization")]

    def __str__(self):
        return self.name

    @property
    def is_host(self):
        return self.kind == OrganizationKind.HOST

    def get_absolute_url(self):
        return reverse("partners:detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.is_host and not self.is_active:
            raise ValidationError({"is_active": _("The host company cannot be deactivated.")})


class Site(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sites", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=20, help_text=_("Short code used in imports, e.g. AAR1."))
    address = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [models.UniqueConstraint(fields=["code"], name="unique_site_code")]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Contact(models.Model):
    """A named person without a login, e.g. for an agreement's roles or escalation ladder."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    ADMIN = policy.ADMIN, _("Admin")
    MANAGER = policy.MANAGER, _("Warehouse manager")
    PARTNER_MANAGER = policy.PARTNER_MANAGER, _("Partner manager")
    PARTNER_VIEWER = policy.PARTNER_VIEWER, _("Partner viewer")


TIME_ZONE_CHOICES = sorted((tz, tz) for tz in available_timezones() if "/" in tz)


class PortalUserQuerySet(ActiveFlagQuerySet):
    pass


class PortalUserManager(UserManager.from_queryset(PortalUserQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        if "organization" not in extra_fields and "organization_id" not in extra_fields:
            extra_fields["organization"] = Organization.objects.host().first()
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A portal user: one membership (organisation) and one role."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    title = models.CharField(_("job title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="da")
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="Europe/Copenhagen")
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = PortalUserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        # A login only stamps last_login (not tracked): no history row, or the audit log would
        # fill with empty "changed" entries for every login.
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) <= {"last_login"}:
            self.skip_history_when_saving = True
            try:
                return super().save(*args, **kwargs)
            finally:
                del self.skip_history_when_saving
        return super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.role and self.organization_id is None and not self.is_superuser:
            raise ValidationError({"organization": _("A user with a role belongs to an organisation.")})
        if self.organization_id and self.role:
            host = self.organization.is_host
            if self.role in policy.HOST_ROLES and not host:
                raise ValidationError({"role": _("Admins and warehouse managers belong to the host company.")})
            if self.role in policy.PARTNER_ROLES and host:
                raise ValidationError({"role": _("Partner roles belong to a partner organisation.")})

    @property
    def is_host_staff(self):
        return policy.is_host(self)

    @property
    def is_partner_user(self):
        return policy.is_partner(self)


class AccountEvent(models.Model):
    """One event of a person's account, for the audit log: sign-ins (also failed ones), second
    factors, sessions, invitations, role changes and (de)activation.

    `user` is whose account it is (null for a failed sign-in with an unknown name: `identifier`
    then keeps what was typed), `actor` who did it when that is someone else (an admin or a
    partner manager), `organization` whose people it concerns (for the partner's own view).
    Rows are only ever added (services.account_event_record).
    """

    kind = models.CharField(_("event"), max_length=32, choices=AccountEventKind.choices)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="account_events", verbose_name=_("person")
    )
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("organisation")
    )
    identifier = models.CharField(_("user name or e-mail"), max_length=254, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        indexes = [models.Index(fields=["user", "-created_at"], name="account_event_user_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.user or self.identifier}"

    def detail_text(self) -> str:
        """The detail in the reader's language: the people services store roles, role changes and what a
        deactivation handed over and withdrew as codes (services.py); anything else reads as stored."""
        detail = self.detail
        roles = dict(User._meta.get_field("role").choices)
        if self.kind in (
            AccountEventKind.INVITATION_SENT,
            AccountEventKind.INVITATION_RESENT,
            AccountEventKind.INVITATION_ACCEPTED,
        ):
            role, _space, sso = detail.partition(" ")
            if role in roles:
                return f"{roles[role]} ({_('single sign-on')})" if sso == "sso" else str(roles[role])
        elif self.kind == AccountEventKind.ROLE_CHANGED:
            before, arrow, after = detail.partition(" → ")
            if arrow and before in roles and after in roles:
                return f"{roles[before]} → {roles[after]}"
        elif self.kind == AccountEventKind.DEACTIVATED and detail.startswith(("handover=", "withdrawn=")):
            return "; ".join(_deactivation_part(part) for part in detail.split("; "))
        return detail


def _deactivation_part(part: str) -> str:
    from django.utils.translation import ngettext

    from partnerportal import hub

    name, _equals, value = part.partition("=")
    if name == "withdrawn" and value.isdigit():
        count = int(value)
        return ngettext(
            "%(count)d queued notification withdrawn", "%(count)d queued notifications withdrawn", count
        ) % {"count": count}
    if name == "handover":
        key, _equals, rest = value.partition("=")
        count, _equals, successor = rest.partition("=")
        titles = {step.key: step.title for step in hub.offboarding_steps()}
        return f"{titles.get(key, key)}: {count} → {successor}"
    return part


class InvitationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")
    # Never stored: a pending invitation past its expiry (Invitation.status).
    EXPIRED = "expired", _("Expired")


class Invitation(models.Model):
    """An invitation of one e-mail address into one organisation with one role.

    The link's token is single-use and only its SHA-256 is stored (`token_hash`): the database never
    holds a working link. Resending gives a new token and expiry (the old link stops working).
    "Expired" is not stored: a pending invitation whose `expires_at` has passed (`status`).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("organisation")
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="da")
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=[c for c in InvitationState.choices if c[0] != InvitationState.EXPIRED],
        default=InvitationState.PENDING,
    )
    accepted_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("accepted by")
    )
    closed_at = models.DateTimeField(_("accepted or revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # One pending invitation per address and organisation: inviting again resends it.
            models.UniqueConstraint(
                models.functions.Lower("email"),
                "organization",
                condition=Q(state="pending"),
                name="one_pending_invitation_per_address",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @property
    def is_expired(self) -> bool:
        return self.state == InvitationState.PENDING and self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        return InvitationState.EXPIRED if self.is_expired else self.state

    def get_status_display(self):
        return InvitationState(self.status).label


def invitation_token_hash(token: str) -> str:
    """What is stored of an invitation link's token (the link itself is only in the e-mail)."""
    return hashlib.sha256((token or "").encode()).hexdigest()


class BrowserSession(AbstractBaseSession):
    """A browser session (SESSION_ENGINE = "partners.sessions"): Django's session row plus whose it is.

    `user` is filled from the session's `_auth_user_id` every time the session is written, whatever
    signed the person in (the login page, allauth, Django's login(), force_login), so that ending a
    person's sessions is one indexed DELETE instead of decoding every session (services.revoke_access).

    A foreign key without a database constraint: deleting a person (people are deactivated, rarely
    deleted) deletes their sessions by the ORM's CASCADE, but a session written for a person deleted a
    moment earlier is no integrity error at the end of that request (in SessionStore.create() it would
    be taken for a key collision and retried for ever); such a row signs nobody in and expires.
    """

    # The signed, encoded session dictionary, not text a person writes: the engine saves it without
    # full_clean(), so this limit (every TextField has one, tests/test_text_limits.py) is nominal.
    session_data = LimitedTextField(_("session data"), max_length=1_000_000)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("user"),
    )

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
