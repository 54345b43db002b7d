import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from partnerportal import fields
from partnerportal.fields import LimitedTextField

DEFAULT_REMINDER_OFFSETS = [2880, 60]  # minutes before the start: two days and one hour


def default_offsets():
    return list(DEFAULT_REMINDER_OFFSETS)


class Purpose(models.TextChoices):
    OPERATIONS_REVIEW = "operations_review", _("Operations review")
    QUARTERLY_BUSINESS_REVIEW = "quarterly_business_review", _("Quarterly business review")
    OTHER = "other", _("Other")


class MeetingSeries(models.Model):
    """A recurring meeting with one partner; occurrences are materialised as `Meeting` rows.

    The recurrence is an RFC 5545 RRULE evaluated on naive local times in `time_zone`, so a 09:00
    meeting stays at 09:00 local time across daylight-saving changes.
    """

    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="meeting_series", verbose_name=_("partner")
    )
    title = models.CharField(_("title"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=40, choices=Purpose.choices, default=Purpose.OPERATIONS_REVIEW)
    rrule = models.CharField(_("recurrence rule"), max_length=500, help_text=_("RFC 5545 RRULE, e.g. FREQ=MONTHLY"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Copenhagen")
    first_date = models.DateField(_("first date"))
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    location = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="meeting_series", blank=True, verbose_name=_("participants")
    )
    reminder_offsets = models.JSONField(_("reminders (minutes before)"), default=default_offsets, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # RFC 5545 SEQUENCE of the series' calendar entry (the feed's RRULE event): raised on every change
    # of its time, rule, place, video link or state, and when one of its occurrences is cancelled
    # (a new EXDATE), so calendar clients take the new version instead of keeping the old one.
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[participants])

    class Meta:
        ordering = ["partner__name", "title"]
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        constraints = [
            models.CheckConstraint(condition=models.Q(duration_minutes__gt=0), name="series_duration_positive")
        ]

    def __str__(self):
        return f"{self.title} ({self.partner})"

    def get_absolute_url(self):
        return reverse("meetings:series_detail", args=[self.pk])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def recurrence_in_words(self) -> str:
        """How often the series meets, in the active language ("First Tuesday of every month")."""
        from .recurrence import in_words

        return in_words(self.rrule, first_date=self.first_date)

    def local_dtstart(self) -> datetime:
        return datetime.combine(self.first_date, self.start_time)

    def bump_sequence(self) -> None:
        """Raise the stored SEQUENCE by one in the database (safe against concurrent bumps)."""
        MeetingSeries.objects.filter(pk=self.pk).update(sequence=models.F("sequence") + 1)
        self.refresh_from_db(fields=["sequence"])

    def clean(self):
        errors = {}
        try:
            ZoneInfo(self.time_zone or "")
        except (ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = _("Unknown time zone.")
        if self.rrule:
            from .recurrence import RecurrenceError, validate_rrule

            try:
                validate_rrule(self.rrule)
            except RecurrenceError as exc:
                errors["rrule"] = str(exc)
        offsets = self.reminder_offsets
        if not isinstance(offsets, list) or not all(
            isinstance(o, int) and not isinstance(o, bool) and 0 < o <= 60 * 24 * 60 for o in offsets
        ):
            errors["reminder_offsets"] = _("Reminders must be a list of whole minutes between 1 and 86400.")
        if errors:
            raise ValidationError(errors)


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(models.Model):
    """One meeting: an occurrence of a series (possibly moved or cancelled) or a one-off."""

    series = models.ForeignKey(
        MeetingSeries,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("series"),
    )
    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="meetings", verbose_name=_("partner")
    )
    title = models.CharField(_("title"), max_length=200)
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    # The occurrence's slot in the series (RECURRENCE-ID); kept when the meeting is moved.
    original_start = models.DateTimeField(_("original start"), null=True, blank=True)
    moved = models.BooleanField(_("moved"), default=False)
    # Bumped on every move: reminder keys include it, so moving back to an earlier time queues
    # fresh reminders instead of colliding with the withdrawn ones.
    schedule_revision = models.PositiveIntegerField(_("schedule revision"), default=0, editable=False)
    # RFC 5545 SEQUENCE of this meeting's calendar entry (the .ics file, the e-mailed invitation and
    # the feed's override): raised by the services on every change of time, place, video link,
    # title, participants or status. See `calendar_sequence` for the number that is written.
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    location = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="meetings", blank=True, verbose_name=_("participants")
    )
    minutes = LimitedTextField(_("minutes"), max_length=fields.DOCUMENT, blank=True)
    decisions = LimitedTextField(_("decisions"), max_length=fields.LONG_TEXT, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Attendance", related_name="attended_meetings", blank=True
    )
    agenda_snapshot = models.JSONField(_("frozen agenda"), null=True, blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    minutes_published_at = models.DateTimeField(_("minutes published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["agenda_snapshot"])

    class Meta:
        ordering = ["start"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(fields=["series", "original_start"], name="unique_occurrence_per_series"),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="meeting_ends_after_start"),
        ]
        indexes = [models.Index(fields=["partner", "start"], name="meeting_partner_start_idx")]

    def __str__(self):
        return f"{self.title} {timezone.localtime(self.start):%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("meetings:meeting_detail", args=[self.pk])

    @property
    def time_zone(self) -> str:
        return self.series.time_zone if self.series_id else "Europe/Copenhagen"

    @property
    def calendar_sequence(self) -> int:
        """The SEQUENCE written for this meeting: never below its series' own, so a client never sees an
        occurrence older than the series it belongs to."""
        return max(self.sequence, self.series.sequence if self.series_id else 0)

    def bump_sequence(self) -> None:
        """Record a change of the calendar entry: one above whatever was written before (call before save)."""
        self.sequence = self.calendar_sequence + 1

    @property
    def is_held(self):
        return self.status == MeetingStatus.HELD

    @property
    def is_cancelled(self):
        return self.status == MeetingStatus.CANCELLED

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The meeting must end after it starts.")})
        if self.series_id and self.partner_id and self.series.partner_id != self.partner_id:
            raise ValidationError({"partner": _("The meeting belongs to its series' partner.")})


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField(_("present"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="unique_attendance")]

    def __str__(self):
        return f"{self.user} at {self.meeting}: {'present' if self.present else 'absent'}"


class AgendaTopic(models.Model):
    """A topic either side puts on a meeting's agenda before it ("listen actively")."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="topics", verbose_name=_("meeting"))
    partner = models.ForeignKey("partners.Organization", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("topic"), max_length=200)
    description = LimitedTextField(_("description"), max_length=fields.SHORT_TEXT, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    internal = models.BooleanField(
        pgettext_lazy("meeting topic", "internal"), default=False, help_text=_("Only host staff see internal topics.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("agenda topic")
        verbose_name_plural = _("agenda topics")

    def __str__(self):
        return self.title


class ActionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("status", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today: date | None = None):
        return self.open().filter(due_date__lt=today or timezone.localdate())


class ActionItem(models.Model):
    partner = models.ForeignKey(
        "partners.Organization", on_delete=models.CASCADE, related_name="action_items", verbose_name=_("partner")
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("meeting"),
    )
    title = models.CharField(_("action"), max_length=200)
    description = LimitedTextField(_("description"), max_length=fields.SHORT_TEXT, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items", verbose_name=_("owner")
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [models.Index(fields=["partner", "status", "due_date"], name="action_partner_status_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:action_detail", args=[self.pk])

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self):
        return self.is_open and self.due_date < timezone.localdate()


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's private calendar feed: the secret token in the URL is the only credential."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    include_organised = models.BooleanField(
        _("include all meetings I organise"),
        default=False,
        help_text=_("Host staff: also the meetings of series you created, not only those you take part in."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    def __str__(self):
        return f"feed of {self.user}"


def local_start(meeting: Meeting):
    return timezone.localtime(meeting.start, ZoneInfo(meeting.time_zone))
