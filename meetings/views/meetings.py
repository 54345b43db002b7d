"""Meeting pages: the list, one meeting with its agenda and topics, the minutes, moving a meeting and
the host's buttons (held, cancelled, minutes published)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from partnerportal import policy
from partnerportal.htmx import announce, form_errors_text
from partnerportal.views import ServiceActionView, ServiceFormView
from partners.selectors import partner_from_picker

from .. import agenda, calendar, selectors, services
from ..forms import ActionItemForm, MinutesForm, MoveForm, TopicForm
from ..models import ActionItem, AgendaTopic, Meeting, MeetingSeries, MeetingStatus
from ..recurrence import to_utc


class MeetingListView(LoginRequiredMixin, TemplateView):
    template_name = "meetings/meeting_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        pick = partner_from_picker(user=user, params=self.request.GET)
        partner = pick.partner
        past = selectors.meeting_list(user=user, partner=partner, upcoming=False)
        return super().get_context_data(
            upcoming=list(selectors.meeting_list(user=user, partner=partner, upcoming=True)[:30]),
            page_obj=Paginator(past, 25).get_page(self.request.GET.get("page")),
            partner=partner,
            pick=pick,
            can_schedule=policy.allows(user, policy.ADD, MeetingSeries),
            **kwargs,
        )


def meeting_context(user, meeting) -> dict:
    """What the meeting page shows (its topics part is also the htmx answer of adding a topic)."""
    attendance = selectors.attendance_by_person(meeting=meeting)
    zone = ZoneInfo(meeting.time_zone)
    see_internal = policy.can(user, "see_internal", meeting)
    return {
        "meeting": meeting,
        "agenda": agenda.build_agenda(meeting=meeting, user=user),
        "local_start": timezone.localtime(meeting.start, zone),
        "local_end": timezone.localtime(meeting.end, zone),
        "participants": [(p, attendance.get(p.pk)) for p in meeting.participants.all()],
        "can_manage": policy.can(user, policy.CHANGE, meeting),
        "see_internal": see_internal,
        "show_minutes": see_internal or meeting.minutes_published_at is not None,
        "can_add_topic": policy.allows(user, policy.ADD, AgendaTopic) and meeting.status == MeetingStatus.PLANNED,
        "topic_form": TopicForm(user=user),
        "action_form": ActionItemForm(partner=meeting.partner, prefix="action")
        if policy.allows(user, policy.ADD, ActionItem)
        else None,
        "actions": selectors.meeting_actions(user=user, meeting=meeting),
        "today": timezone.localdate(),
    }


class MeetingDetailView(LoginRequiredMixin, TemplateView):
    template_name = "meetings/meeting_detail.html"

    def get_context_data(self, **kwargs):
        meeting = selectors.meeting_detail(user=self.request.user, pk=self.kwargs["pk"])
        return super().get_context_data(**meeting_context(self.request.user, meeting), **kwargs)


class MeetingIcsView(LoginRequiredMixin, View):
    """One meeting as a calendar file to download."""

    def get(self, request, pk):
        meeting = selectors.meeting_detail(user=request.user, pk=pk)
        response = HttpResponse(calendar.meeting_ics(meeting), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
        return response


class TopicAddView(ServiceFormView):
    """Add a topic to a meeting's agenda; with htmx the answer is the page's topics part."""

    form_class = TopicForm
    template_name = "meetings/topic_form.html"
    success_message = _("The topic was added to the agenda.")

    def setup_view(self):
        self.meeting = selectors.meeting_detail(user=self.request.user, pk=self.kwargs["pk"])
        if not policy.allows(self.request.user, policy.ADD, AgendaTopic):
            raise PermissionDenied

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def get_context_data(self, **context):
        return {"meeting": self.meeting, **context}

    def perform(self, form):
        return services.topic_add(user=self.request.user, meeting=self.meeting, **form.cleaned_data)

    def get_success_url(self, result):
        return self.meeting.get_absolute_url()

    def form_succeeded(self, form, result):
        if not self.request.htmx:
            return super().form_succeeded(form, result)
        return announce(self.render_topics(TopicForm(user=self.request.user)), self.success_message)

    def render_form(self, form, status=200):
        if not self.request.htmx:
            return super().render_form(form, status)
        response = self.render_topics(form, status)
        return announce(response, form_errors_text()) if status == 400 else response

    def render_topics(self, form, status=200):
        context = meeting_context(self.request.user, self.meeting)
        context["topic_form"] = form
        return render(self.request, "meetings/_topics.html", context, status=status)


class TopicDeleteView(ServiceActionView):
    def get_object(self):
        return selectors.topic_detail(user=self.request.user, pk=self.kwargs["pk"], action=policy.DELETE)

    def perform(self, topic):
        return services.topic_delete(user=self.request.user, topic=topic)

    def get_success_url(self, topic, result):
        return topic.meeting.get_absolute_url()

    def get_failure_url(self, topic):
        return topic.meeting.get_absolute_url()


class MinutesView(ServiceFormView):
    """The host records the minutes, decisions and attendance; "publish" also shows them to the partner."""

    form_class = MinutesForm
    template_name = "meetings/minutes_form.html"

    def setup_view(self):
        self.meeting = policy.get_object(self.request.user, policy.CHANGE, Meeting, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        meeting = self.meeting
        present = selectors.present_people(meeting=meeting)
        return {
            "meeting": meeting,
            "initial": {"minutes": meeting.minutes, "decisions": meeting.decisions, "present": present},
        }

    def get_context_data(self, **context):
        return {"meeting": self.meeting, **context}

    def publishing(self) -> bool:
        return "publish" in self.request.POST

    def perform(self, form):
        user, data = self.request.user, form.cleaned_data
        services.meeting_record_minutes(
            user=user,
            meeting=self.meeting,
            minutes=data["minutes"],
            decisions=data["decisions"],
            present=data["present"],
        )
        if self.publishing():
            services.meeting_publish_minutes(user=user, meeting=self.meeting)
        return self.meeting

    def get_success_message(self, result):
        return _("The minutes were published.") if self.publishing() else _("The minutes were saved.")


class MeetingButtonView(ServiceActionView):
    """A host's button on a meeting's page: `service(user=, meeting=)` about the meeting."""

    service = None

    def get_object(self):
        return policy.get_object(self.request.user, policy.CHANGE, Meeting, pk=self.kwargs["pk"])

    def perform(self, meeting):
        return self.service(user=self.request.user, meeting=meeting)


class MeetingHeldView(MeetingButtonView):
    service = staticmethod(services.meeting_mark_held)
    success_message = _("The meeting is marked as held; its KPI figures are frozen.")


class MeetingCancelView(MeetingButtonView):
    service = staticmethod(services.meeting_cancel)
    success_message = _("The meeting was cancelled.")


class MeetingPublishView(MeetingButtonView):
    service = staticmethod(services.meeting_publish_minutes)
    success_message = _("The minutes were published.")


class MeetingMoveView(ServiceFormView):
    """Move one meeting to another time (in the meeting's own time zone)."""

    form_class = MoveForm
    template_name = "meetings/move_form.html"
    success_message = _("The meeting was moved; reminders follow the new time.")

    def setup_view(self):
        self.meeting = policy.get_object(self.request.user, policy.CHANGE, Meeting, pk=self.kwargs["pk"])
        self.zone = ZoneInfo(self.meeting.time_zone)

    def get_form_kwargs(self):
        meeting = self.meeting
        return {
            "initial": {
                "start": timezone.localtime(meeting.start, self.zone).replace(tzinfo=None),
                "duration_minutes": int((meeting.end - meeting.start).total_seconds() // 60),
            }
        }

    def get_context_data(self, **context):
        return {"meeting": self.meeting, "zone": self.meeting.time_zone, **context}

    def perform(self, form):
        start = to_utc(form.cleaned_data["start"].replace(tzinfo=None), self.zone)
        end = start + timedelta(minutes=form.cleaned_data["duration_minutes"])
        if (start, end) == (self.meeting.start, self.meeting.end):
            return None  # saved unchanged: no new calendar revision, no reissued reminders
        return services.meeting_move(user=self.request.user, meeting=self.meeting, start=start, end=end)

    def get_success_url(self, result):
        return self.meeting.get_absolute_url()

    def form_succeeded(self, form, result):
        if result is None:
            messages.info(self.request, _("The meeting already takes place at that time; nothing was changed."))
            return redirect(self.meeting)
        return super().form_succeeded(form, result)
