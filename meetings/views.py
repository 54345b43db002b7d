"""Pages of the meetings app: thin, they parse input and call services and selectors."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerportal import policy
from partnerportal.backends import may_sign_in
from partnerportal.htmx import announce, form_errors_text
from partners.models import Organization
from partners.selectors import partner_from_query

from . import agenda as agenda_module
from . import calendar, selectors, services
from .forms import ActionItemForm, ActionStatusForm, FeedForm, MinutesForm, MoveForm, SeriesForm, TopicForm
from .models import ActionItem, AgendaTopic, CalendarFeed, Meeting, MeetingSeries, MeetingStatus


def _errors_to_form(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _partner_filter(request):
    """The ?partner= filter (partners.selectors.partner_from_query: unknown is a 404)."""
    return partner_from_query(user=request.user, value=request.GET.get("partner"))


# --- meetings and series -----------------------------------------------------------------


@login_required
def meeting_list(request):
    user = request.user
    partner = _partner_filter(request)
    upcoming = selectors.meeting_list(user=user, partner=partner, upcoming=True)[:30]
    past = Paginator(selectors.meeting_list(user=user, partner=partner, upcoming=False), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "upcoming": list(upcoming),
            "page_obj": past,
            "partner": partner,
            "partners": policy.scope(user, policy.VIEW, Organization.objects.partners()).order_by("name"),
            "can_schedule": policy.allows(user, policy.ADD, MeetingSeries),
        },
    )


@login_required
def series_list(request):
    if not policy.allows(request.user, "organise", MeetingSeries):
        raise PermissionDenied
    partner = _partner_filter(request)
    return render(
        request,
        "meetings/series_list.html",
        {"series_list": selectors.series_list(user=request.user, partner=partner), "partner": partner},
    )


def _say_if_started_later(request, form, series):
    """The first date given lay in the past and the series starts later (services.start_in_future)."""
    if series.first_date != form.cleaned_data["first_date"]:
        messages.warning(
            request,
            _("The first meeting was in the past; the series starts on %(date)s.")
            % {"date": date_format(series.first_date, "DATE_FORMAT")},
        )


@login_required
def series_create(request):
    if not policy.allows(request.user, policy.ADD, MeetingSeries):
        raise PermissionDenied
    partner = _partner_filter(request)
    form = SeriesForm(request.POST or None, user=request.user, partner=partner)
    if request.method == "POST" and form.is_valid():
        try:
            series = services.series_create(
                user=request.user, partner=form.cleaned_data["partner"], **form.service_kwargs()
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The meeting series was scheduled."))
            _say_if_started_later(request, form, series)
            return redirect(series)
    return render(
        request, "meetings/series_form.html", {"form": form, "series": None}, status=400 if form.errors else 200
    )


@login_required
def series_edit(request, pk):
    series = policy.get_object(request.user, policy.CHANGE, MeetingSeries, pk=pk)
    form = SeriesForm(request.POST or None, user=request.user, series=series)
    if request.method == "POST" and form.is_valid():
        try:
            series = services.series_update(user=request.user, series=series, **form.service_kwargs())
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The meeting series was saved."))
            _say_if_started_later(request, form, series)
            return redirect(series)
    return render(
        request, "meetings/series_form.html", {"form": form, "series": series}, status=400 if form.errors else 200
    )


@login_required
def series_detail(request, pk):
    series = policy.get_object(request.user, policy.VIEW, MeetingSeries.objects.select_related("partner"), pk=pk)
    meetings = selectors.meeting_list(user=request.user, series=series)
    now = timezone.now()
    return render(
        request,
        "meetings/series_detail.html",
        {
            "series": series,
            "participants": series.participants.select_related("organization"),
            "upcoming": list(meetings.filter(end__gte=now).order_by("start")[:12]),
            "past": list(meetings.filter(end__lt=now).order_by("-start")[:12]),
            "can_edit": policy.can(request.user, policy.CHANGE, series),
        },
    )


def _meeting_context(request, meeting):
    user = request.user
    agenda = agenda_module.build_agenda(meeting=meeting, user=user)
    can_manage = policy.can(user, policy.CHANGE, meeting)
    attendance = {a.user_id: a.present for a in meeting.attendance.all()}
    zone = ZoneInfo(meeting.time_zone)
    return {
        "meeting": meeting,
        "agenda": agenda,
        "local_start": timezone.localtime(meeting.start, zone),
        "local_end": timezone.localtime(meeting.end, zone),
        "participants": [(p, attendance.get(p.pk)) for p in meeting.participants.all()],
        "can_manage": can_manage,
        "see_internal": policy.can(user, "see_internal", meeting),
        "show_minutes": policy.can(user, "see_internal", meeting) or meeting.minutes_published_at is not None,
        "can_add_topic": policy.allows(user, policy.ADD, AgendaTopic) and meeting.status == MeetingStatus.PLANNED,
        "topic_form": TopicForm(user=user),
        "action_form": ActionItemForm(partner=meeting.partner, prefix="action")
        if policy.allows(user, policy.ADD, ActionItem)
        else None,
        "actions": selectors.action_items(user=user, partner=meeting.partner).filter(meeting=meeting),
        "today": timezone.localdate(),
    }


@login_required
def meeting_detail(request, pk):
    meeting = selectors.meeting_detail(user=request.user, pk=pk)
    return render(request, "meetings/meeting_detail.html", _meeting_context(request, meeting))


@login_required
def meeting_ics(request, pk):
    meeting = selectors.meeting_detail(user=request.user, pk=pk)
    response = HttpResponse(calendar.meeting_ics(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@login_required
def topic_add(request, pk):
    meeting = selectors.meeting_detail(user=request.user, pk=pk)
    if not policy.allows(request.user, policy.ADD, AgendaTopic):
        raise PermissionDenied
    form = TopicForm(request.POST or None, user=request.user)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            services.topic_add(user=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
            error = True
        else:
            if not request.htmx:
                messages.success(request, _("The topic was added to the agenda."))
                return redirect(meeting)
            form = TopicForm(user=request.user)
    elif request.method == "POST":
        error = True
    if request.htmx:
        context = _meeting_context(request, meeting)
        context["topic_form"] = form
        response = render(request, "meetings/_topics.html", context, status=400 if error else 200)
        if error:
            return announce(response, form_errors_text())
        return announce(response, _("The topic was added to the agenda.")) if request.method == "POST" else response
    return render(request, "meetings/topic_form.html", {"meeting": meeting, "form": form}, status=400 if error else 200)


@login_required
@require_POST
def topic_delete(request, pk):
    topic = policy.get_object(request.user, policy.DELETE, AgendaTopic.objects.select_related("meeting"), pk=pk)
    try:
        services.topic_delete(user=request.user, topic=topic)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(topic.meeting)


@login_required
def meeting_minutes(request, pk):
    meeting = policy.get_object(request.user, policy.CHANGE, Meeting, pk=pk)
    present = [a.user for a in meeting.attendance.filter(present=True).select_related("user")]
    initial = {"minutes": meeting.minutes, "decisions": meeting.decisions, "present": present}
    form = MinutesForm(request.POST or None, meeting=meeting, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_record_minutes(
                user=request.user,
                meeting=meeting,
                minutes=form.cleaned_data["minutes"],
                decisions=form.cleaned_data["decisions"],
                present=form.cleaned_data["present"],
            )
            if "publish" in request.POST:
                services.meeting_publish_minutes(user=request.user, meeting=meeting)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(
                request, _("The minutes were published.") if "publish" in request.POST else _("The minutes were saved.")
            )
            return redirect(meeting)
    return render(
        request, "meetings/minutes_form.html", {"meeting": meeting, "form": form}, status=400 if form.errors else 200
    )


def _post_action(request, pk, service, success):
    meeting = policy.get_object(request.user, policy.CHANGE, Meeting, pk=pk)
    try:
        service(user=request.user, meeting=meeting)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(meeting)


@login_required
@require_POST
def meeting_held(request, pk):
    return _post_action(
        request, pk, services.meeting_mark_held, _("The meeting is marked as held; its KPI figures are frozen.")
    )


@login_required
@require_POST
def meeting_cancel(request, pk):
    return _post_action(request, pk, services.meeting_cancel, _("The meeting was cancelled."))


@login_required
@require_POST
def meeting_publish(request, pk):
    return _post_action(request, pk, services.meeting_publish_minutes, _("The minutes were published."))


@login_required
def meeting_move(request, pk):
    meeting = policy.get_object(request.user, policy.CHANGE, Meeting, pk=pk)
    zone = ZoneInfo(meeting.time_zone)
    initial = {
        "start": timezone.localtime(meeting.start, zone).replace(tzinfo=None),
        "duration_minutes": int((meeting.end - meeting.start).total_seconds() // 60),
    }
    form = MoveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        from datetime import timedelta

        from .recurrence import to_utc

        start = to_utc(form.cleaned_data["start"].replace(tzinfo=None), zone)
        end = start + timedelta(minutes=form.cleaned_data["duration_minutes"])
        if (start, end) == (meeting.start, meeting.end):
            # Saved unchanged: no new calendar revision, no reissued reminders.
            messages.info(request, _("The meeting already takes place at that time; nothing was changed."))
            return redirect(meeting)
        try:
            services.meeting_move(user=request.user, meeting=meeting, start=start, end=end)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The meeting was moved; reminders follow the new time."))
            return redirect(meeting)
    return render(
        request,
        "meetings/move_form.html",
        {"meeting": meeting, "form": form, "zone": meeting.time_zone},
        status=400 if form.errors else 200,
    )


# --- action items ------------------------------------------------------------------------

STATES = ("open", "overdue", "done", "all")


def _action_list(request, *, mine: bool):
    user = request.user
    state = request.GET.get("state", "open")
    if state not in STATES:
        state = "open"
    partner = None if mine else _partner_filter(request)
    qs = selectors.action_items(
        user=user,
        partner=partner,
        owner=user if mine else None,
        state="" if state == "all" else state,
        search=request.GET.get("q", "").strip(),
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/action_list.html",
        {
            "page_obj": page,
            "items": page.object_list,
            "mine": mine,
            "state": state,
            "q": request.GET.get("q", ""),
            "partner": partner,
            "partners": policy.scope(user, policy.VIEW, Organization.objects.partners()).order_by("name"),
            "overview": selectors.action_overview(user=user) if not mine and partner is None else None,
            "today": timezone.localdate(),
        },
    )


@login_required
def action_list(request):
    return _action_list(request, mine=False)


@login_required
def my_actions(request):
    return _action_list(request, mine=True)


@login_required
def action_detail(request, pk):
    item = policy.get_object(
        request.user, policy.VIEW, ActionItem.objects.select_related("partner", "owner", "meeting", "created_by"), pk=pk
    )
    can_update = policy.can(request.user, "set_status", item)
    form = ActionStatusForm(request.POST or None, user=request.user, initial={"status": item.status})
    if request.method == "POST":
        if not can_update:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.action_item_set_status(user=request.user, item=item, status=form.cleaned_data["status"])
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("The action item was updated."))
                return redirect(item)
    return render(
        request,
        "meetings/action_detail.html",
        {"item": item, "form": form, "can_update": can_update, "today": timezone.localdate()},
        status=400 if form.errors else 200,
    )


@login_required
def action_create(request, partner_pk):
    partner = get_object_or_404(policy.scope(request.user, policy.VIEW, Organization.objects.partners()), pk=partner_pk)
    if not policy.allows(request.user, policy.ADD, ActionItem):
        raise PermissionDenied
    meeting = None
    meeting_pk = request.GET.get("meeting") or request.POST.get("meeting")
    if meeting_pk and str(meeting_pk).isdigit():
        meeting = Meeting.objects.filter(pk=meeting_pk, partner=partner).first()
    form = ActionItemForm(request.POST or None, partner=partner, prefix="action")
    if request.method == "POST" and form.is_valid():
        try:
            item = services.action_item_create(user=request.user, partner=partner, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The action item was added."))
            return redirect(meeting or item)
    return render(
        request,
        "meetings/action_form.html",
        {"form": form, "partner": partner, "meeting": meeting},
        status=400 if form.errors else 200,
    )


# --- calendar feed ------------------------------------------------------------------------


@login_required
def feed_settings(request):
    feed = services.feed_for(user=request.user)
    form = FeedForm(
        request.POST if request.method == "POST" else None,
        initial={"include_organised": feed.include_organised if feed else False},
    )
    if request.method == "POST":
        if request.POST.get("op") == "revoke":
            services.feed_revoke(user=request.user)
            messages.success(request, _("Your calendar feed was switched off; the old address no longer works."))
            return redirect("meetings:feed_settings")
        if form.is_valid():
            services.feed_regenerate(user=request.user, include_organised=form.cleaned_data["include_organised"])
            messages.success(request, _("A new calendar feed address was created; the old one no longer works."))
            return redirect("meetings:feed_settings")
    url = request.build_absolute_uri(reverse("meetings:feed", args=[feed.token])) if feed else None
    return render(
        request,
        "meetings/feed_settings.html",
        {
            "feed": feed,
            "feed_url": url,
            "form": form,
            "can_organise": policy.allows(request.user, "organise", MeetingSeries),
        },
    )


def feed(request, token):
    """The private calendar feed: the token is the credential (no session; unknown/revoked → 404)."""
    record = CalendarFeed.objects.select_related("user__organization").filter(token=token).first()
    if record is None or not may_sign_in(record.user):  # a deactivated person or organisation: gone
        raise Http404
    body = calendar.feed_ics(record.user, include_organised=record.include_organised)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="meetings.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
