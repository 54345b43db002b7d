"""Browser views: parse input, call one service or selector, render. No business rules here."""

from __future__ import annotations

import mimetypes
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from partnerportal import policy
from partners.models import Organization
from partners.selectors import partner_from_query

from . import health, integrations, selectors, services
from .forms import (
    ActionItemForm,
    CaseEditForm,
    CaseForm,
    CaseStatusForm,
    EngagementForm,
    FileForm,
    KudosForm,
    MeasurementPicker,
    NoticeForm,
    RoadmapCommentForm,
    RoadmapForm,
    SurveyAnswerForm,
    SurveyRoundForm,
)
from .forms import measurement_choices as forms_measurement_choices
from .models import (
    CASE_FLOW,
    Case,
    CaseFile,
    CaseStatus,
    Engagement,
    EngagementFile,
    HealthSnapshot,
    Kudos,
    Notice,
    NoticeKind,
    RoadmapComment,
    RoadmapItem,
    SurveyRound,
    TimelineCategory,
)

PAGE_SIZE = 25


def _errors(request, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)


def _partner_filter(request):
    """The ?partner= filter (partners.selectors.partner_from_query: unknown is a 404)."""
    return partner_from_query(user=request.user, value=request.GET.get("partner"))


def _apply_form_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _require_add(user, model):
    if not policy.allows(user, policy.ADD, model):
        raise PermissionDenied


# --- Notices ---------------------------------------------------------------------------------


@login_required
def notice_list(request):
    partner = _partner_filter(request)
    kind = request.GET.get("kind", "")
    if kind not in NoticeKind.values:
        kind = ""
    notices = selectors.notice_list(user=request.user, partner=partner, kind=kind)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "relations/notice_list.html",
        {
            "page": page,
            "partner": partner,
            "kind": kind,
            "kinds": NoticeKind.choices,
            "stats": selectors.notice_stats(user=request.user, partner=partner),
            "can_add": policy.allows(request.user, policy.ADD, Notice),
            "query": f"partner={partner.pk}" if partner else "",
        },
    )


@login_required
def notice_create(request):
    _require_add(request.user, Notice)
    partner = _partner_filter(request)
    form = NoticeForm(request.POST or None, user=request.user, partner=partner)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.notice_post(
                user=request.user,
                partner=data["partner"],
                kind=data["kind"],
                severity=data["severity"],
                title=data["title"],
                affected_from=data["affected_from"],
                affected_until=data["affected_until"],
                description=data["description"],
                mitigation=data["mitigation"],
            )
        except ValidationError as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(request, _("The notice was posted and the other side was notified."))
            return redirect(notice)
    status = 400 if request.method == "POST" else 200
    return render(request, "relations/form.html", {"form": form, "title": _("Post a notice")}, status=status)


@login_required
def notice_detail(request, pk):
    notice = selectors.notice_detail(user=request.user, pk=pk)
    can_ack = notice.acknowledged_at is None and policy.can(request.user, "acknowledge", notice)
    return render(request, "relations/notice_detail.html", {"notice": notice, "can_ack": can_ack})


@login_required
@require_POST
def notice_acknowledge(request, pk):
    notice = policy.get_object(request.user, policy.CHANGE, Notice, pk=pk)
    try:
        services.notice_acknowledge(user=request.user, notice=notice)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("You acknowledged the notice."))
    return redirect(notice)


# --- Cases -----------------------------------------------------------------------------------


@login_required
def case_list(request):
    partner = _partner_filter(request)
    status = request.GET.get("status", "")
    if status not in CaseStatus.values:
        status = ""
    cases = selectors.case_list(user=request.user, partner=partner, status=status)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "relations/case_list.html",
        {
            "page": page,
            "partner": partner,
            "status": status,
            "statuses": CaseStatus.choices,
            "can_add": policy.allows(request.user, policy.ADD, Case),
            "query": f"partner={partner.pk}" if partner else "",
        },
    )


@login_required
def case_create(request):
    _require_add(request.user, Case)
    partner = _partner_filter(request)
    measurement = None
    measurement_id = request.GET.get("measurement", "")
    model = integrations.model_or_none("kpis.Measurement")
    if measurement_id and model is not None:
        if not measurement_id.isdigit():
            raise Http404
        measurement = policy.get_object(request.user, policy.VIEW, model, pk=int(measurement_id))
        partner = partner or measurement.partner
    form = CaseForm(request.POST or None, user=request.user, partner=partner, measurement=measurement)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = data.get("measurement")
        try:
            case = services.case_raise(
                user=request.user,
                partner=data["partner"],
                title=data["title"],
                what_happened=data["what_happened"],
                impact=data["impact"],
                measurements=[chosen] if chosen else [],
            )
        except ValidationError as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(request, _("The case was raised and the other side was notified."))
            return redirect(case)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "relations/case_form.html",
        {"form": form, "title": _("Raise a case"), "measurement": measurement},
        status=status,
    )


@login_required
def case_detail(request, pk):
    case = selectors.case_detail(user=request.user, pk=pk)
    can_change = policy.can(request.user, policy.CHANGE, case)
    context = {
        "case": case,
        "can_change": can_change,
        "can_ack": case.acknowledged_at is None and policy.can(request.user, "acknowledge", case),
        "can_upload": policy.allows(request.user, policy.ADD, CaseFile),
        "next_statuses": [(s, CaseStatus(s).label) for s in CASE_FLOW[CaseStatus(case.status)]] if can_change else [],
        "problems": services.case_resolution_problems(case),
        "file_form": FileForm(),
        "action_form": ActionItemForm(case=case) if policy.can(request.user, "agree_action", case) else None,
        "actions": _visible_actions(request.user, case),
        "measurements": _visible_measurements(request.user, case),
        "measurement_picker": _measurement_picker(request.user, case) if can_change else "",
    }
    return render(request, "relations/case_detail.html", context)


def _measurement_picker(user, case):
    """The search for a measurement to link (the case's partner only), or "" without the kpis app."""
    if forms_measurement_choices(user, case.partner) is None:
        return ""
    picker = MeasurementPicker(attrs={"id": "case-measurement", "class": "form-control form-control-sm"})
    picker.search_url = f"{reverse('relations:measurement_picker')}?partner={case.partner_id}"
    return picker.render("measurement", None)


def _visible_actions(user, case):
    model = integrations.action_item_model()
    if model is None or not hasattr(case, "action_items"):
        return []
    return list(policy.scope(user, policy.VIEW, case.action_items.select_related("owner")))


def _visible_measurements(user, case):
    """Linked measurements the user may see (a partner never sees measurements of internal KPIs)."""
    model = integrations.model_or_none("kpis.Measurement")
    if model is None:
        return []
    return list(policy.scope(user, policy.VIEW, case.measurements.select_related("kpi", "partner")))


@login_required
def case_edit(request, pk):
    case = policy.get_object(request.user, policy.CHANGE, Case, pk=pk)
    form = CaseEditForm(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_update(user=request.user, case=case, **form.cleaned_data)
        except ValidationError as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(request, _("The case was saved."))
            return redirect(case)
    status = 400 if request.method == "POST" else 200
    return render(request, "relations/form.html", {"form": form, "title": case.title, "back": case}, status=status)


@login_required
@require_POST
def case_status(request, pk):
    case = policy.get_object(request.user, policy.CHANGE, Case, pk=pk)
    form = CaseStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect(case)
    try:
        services.case_set_status(
            user=request.user, case=case, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The case status was changed."))
    return redirect(case)


@login_required
@require_POST
def case_acknowledge(request, pk):
    case = policy.get_object(request.user, policy.CHANGE, Case, pk=pk)
    try:
        services.case_acknowledge(user=request.user, case=case)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("You acknowledged the case."))
    return redirect(case)


@login_required
@require_POST
def case_file_upload(request, pk):
    case = policy.get_object(request.user, policy.VIEW, Case, pk=pk)
    _require_add(request.user, CaseFile)
    form = FileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect(case)
    try:
        services.case_attach_file(user=request.user, case=case, uploaded=form.cleaned_data["file"])
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The file was attached."))
    return redirect(case)


def _download(attachment):
    content_type = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def case_file_download(request, pk):
    attachment = policy.get_object(request.user, policy.VIEW, CaseFile, pk=pk)
    return _download(attachment)


@login_required
@require_POST
def case_action(request, pk):
    case = policy.get_object(request.user, "agree_action", Case, pk=pk)
    form = ActionItemForm(request.POST, case=case)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {error}")
        return redirect(case)
    try:
        services.case_agree_action(user=request.user, case=case, **form.cleaned_data)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The action was agreed."))
    return redirect(case)


@login_required
@require_POST
def case_measurement(request, pk):
    case = policy.get_object(request.user, policy.CHANGE, Case, pk=pk)
    model = integrations.model_or_none("kpis.Measurement")
    value = request.POST.get("measurement", "")
    if model is None or not hasattr(case, "measurements"):
        raise Http404
    if not value.isdigit():
        messages.error(request, _("Choose a measurement."))
        return redirect(case)
    measurement = policy.get_object(request.user, policy.VIEW, model, pk=int(value))
    try:
        services.case_link_measurement(user=request.user, case=case, measurement=measurement)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The measurement was linked."))
    return redirect(case)


def _month(value: str):
    """A month input's value (YYYY-MM) as its first day, or None."""
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


@login_required
@require_GET
def measurement_picker(request):
    """The measurement picker's results (an htmx fragment of radio buttons, none chosen): one partner's
    measurements as the access policy lets the user see them; another partner's id answers 404."""
    partner = _partner_filter(request)
    text = request.GET.get("measurement_q", "").strip()[:100]
    month = _month(request.GET.get("measurement_month", ""))
    results, total, shown = [], 0, 0
    if partner is not None:
        results, total = selectors.measurement_search(user=request.user, partner=partner, text=text, month=month)
        shown = len(results)
        # The measurement chosen before this search stays chosen (and listed first) while it is the
        # partner's; nothing else is ever chosen for the user.
        chosen_id = request.GET.get("measurement", "")
        chosen = None
        if chosen_id.isdigit():
            chosen = selectors.measurement_choices(user=request.user, partner=partner).filter(pk=int(chosen_id)).first()
        if chosen is not None:
            results = [chosen] + [m for m in results if m.pk != chosen.pk]
            chosen.chosen = True
    return render(
        request,
        "relations/_measurement_options.html",
        {
            "partner": partner,
            "results": results,
            "total": total,
            "shown": shown,
            "searched": bool(text or month),
            "name": "measurement",
        },
    )


# --- Kudos and successes -----------------------------------------------------------------------


@login_required
def kudos_create(request):
    _require_add(request.user, Kudos)
    partner = _partner_filter(request)
    form = KudosForm(request.POST or None, user=request.user, partner=partner)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            kudos = services.kudos_give(
                user=request.user, partner=data["partner"], title=data["title"], message=data["message"]
            )
        except ValidationError as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(request, _("Thank you: your kudos was shared."))
            return redirect(f"{kudos.partner.get_absolute_url()}#section-successes")
    status = 400 if request.method == "POST" else 200
    return render(request, "relations/form.html", {"form": form, "title": _("Give kudos")}, status=status)


@login_required
def success_list(request):
    partner = _partner_filter(request)
    items = selectors.successes(user=request.user, partner=partner, limit=100, per_kind=True)
    return render(
        request,
        "relations/success_list.html",
        {
            "kudos": [i for i in items if i["kind"] == "kudos"],
            "detected": [i for i in items if i["kind"] == "kpi"],
            "partner": partner,
            "partners": selectors.visible_partners(user=request.user),
            "can_add": policy.allows(request.user, policy.ADD, Kudos),
        },
    )


# --- Health and timeline ---------------------------------------------------------------------


@login_required
def health_detail(request, pk):
    partner = policy.get_object(request.user, policy.VIEW, Organization.objects.partners(), pk=pk)
    score, parts = selectors.health_now(partner=partner)
    trend = selectors.health_trend(user=request.user, partner=partner)
    chart = {
        "labels": [s.month.isoformat() for s in trend],  # ticks in the page's language: static/relations/health.js
        "scores": [s.score for s in trend],
        "label": _("Health score"),
    }
    return render(
        request,
        "relations/health.html",
        {
            "partner": partner,
            "score": score,
            "parts": parts,
            "trend": trend,
            "chart": chart,
            "formula": health.__doc__,
            "can_recompute": policy.allows(request.user, "recompute", HealthSnapshot),
        },
    )


@login_required
@require_POST
def health_recompute(request, pk):
    partner = policy.get_object(request.user, policy.VIEW, Organization.objects.partners(), pk=pk)
    if not policy.allows(request.user, "recompute", HealthSnapshot):
        raise PermissionDenied
    health.snapshot_last_months(partner)
    messages.success(request, _("The health score of the last 12 months was recomputed."))
    return redirect("relations:health", pk=partner.pk)


@login_required
def timeline(request, pk):
    partner = policy.get_object(request.user, policy.VIEW, Organization.objects.partners(), pk=pk)
    chosen = [c for c in request.GET.getlist("category") if c in TimelineCategory.values]
    events = selectors.timeline(user=request.user, partner=partner, categories=chosen)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = "&".join(f"category={c}" for c in chosen)
    return render(
        request,
        "relations/timeline.html",
        {"partner": partner, "page": page, "categories": TimelineCategory.choices, "chosen": chosen, "query": query},
    )


# --- Engagements -----------------------------------------------------------------------------


@login_required
def engagement_list(request):
    partner = _partner_filter(request)
    page = Paginator(selectors.engagement_list(user=request.user, partner=partner), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "relations/engagement_list.html",
        {
            "page": page,
            "partner": partner,
            "can_add": policy.allows(request.user, policy.ADD, Engagement),
            "query": f"partner={partner.pk}" if partner else "",
        },
    )


def _engagement_form(request, engagement=None):
    partner = _partner_filter(request) if engagement is None else engagement.partner
    form = EngagementForm(request.POST or None, instance=engagement, user=request.user, partner=partner)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.engagement_save(
                user=request.user, engagement=form.save(commit=False), participants=form.cleaned_data["participants"]
            )
        except ValidationError as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(request, _("The engagement was saved."))
            return redirect(saved)
    status = 400 if request.method == "POST" else 200
    title = engagement.title if engagement else _("Plan an engagement")
    return render(request, "relations/form.html", {"form": form, "title": title, "back": engagement}, status=status)


@login_required
def engagement_create(request):
    _require_add(request.user, Engagement)
    return _engagement_form(request)


@login_required
def engagement_edit(request, pk):
    engagement = policy.get_object(request.user, policy.CHANGE, Engagement, pk=pk)
    return _engagement_form(request, engagement)


@login_required
def engagement_detail(request, pk):
    engagement = policy.get_object(
        request.user,
        policy.VIEW,
        Engagement.objects.select_related("partner").prefetch_related("participants__organization", "files"),
        pk=pk,
    )
    return render(
        request,
        "relations/engagement_detail.html",
        {
            "engagement": engagement,
            "can_change": policy.can(request.user, policy.CHANGE, engagement),
            "file_form": FileForm(),
        },
    )


@login_required
@require_POST
def engagement_file_upload(request, pk):
    engagement = policy.get_object(request.user, policy.CHANGE, Engagement, pk=pk)
    form = FileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect(engagement)
    try:
        services.engagement_attach_file(user=request.user, engagement=engagement, uploaded=form.cleaned_data["file"])
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The file was attached."))
    return redirect(engagement)


@login_required
def engagement_file_download(request, pk):
    return _download(policy.get_object(request.user, policy.VIEW, EngagementFile, pk=pk))


# --- Roadmap ---------------------------------------------------------------------------------


@login_required
def roadmap_list(request):
    partner = _partner_filter(request)
    items = selectors.roadmap_list(user=request.user, partner=partner)
    return render(
        request,
        "relations/roadmap_list.html",
        {"items": items, "partner": partner, "can_add": policy.allows(request.user, policy.ADD, RoadmapItem)},
    )


def _roadmap_form(request, item=None):
    form = RoadmapForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.roadmap_save(
                user=request.user, item=form.save(commit=False), shared_with=form.cleaned_data["shared_with"]
            )
        except ValidationError as exc:
            _apply_form_errors(form, exc)
        else:
            names = ", ".join(p.name for p in saved.shared_with.order_by("name"))
            messages.success(
                request,
                _("The plan was saved and is shared with: %(names)s.") % {"names": names}
                if names
                else _("The plan was saved. The plan is internal: no partner sees it."),
            )
            return redirect(saved)
    status = 400 if request.method == "POST" else 200
    title = item.title if item else _("Add a plan")
    return render(request, "relations/roadmap_form.html", {"form": form, "title": title, "back": item}, status=status)


@login_required
def roadmap_create(request):
    _require_add(request.user, RoadmapItem)
    return _roadmap_form(request)


@login_required
def roadmap_edit(request, pk):
    return _roadmap_form(request, policy.get_object(request.user, policy.CHANGE, RoadmapItem, pk=pk))


@login_required
def roadmap_detail(request, pk):
    item = policy.get_object(request.user, policy.VIEW, RoadmapItem.objects.prefetch_related("shared_with"), pk=pk)
    can_comment = policy.allows(request.user, policy.ADD, RoadmapComment) and item.shared_with.exists()
    form = RoadmapCommentForm(request.POST or None, item=item, user=request.user) if can_comment else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.roadmap_comment(
                    user=request.user,
                    item=item,
                    body=form.cleaned_data["body"],
                    is_idea=form.cleaned_data["is_idea"],
                    partner=form.cleaned_data.get("partner"),
                )
            except ValidationError as exc:
                _apply_form_errors(form, exc)
            else:
                messages.success(request, _("Your comment was added."))
                return redirect(item)
    return render(
        request,
        "relations/roadmap_detail.html",
        {
            "item": item,
            "comments": selectors.roadmap_comments(user=request.user, item=item),
            "form": form,
            "can_change": policy.can(request.user, policy.CHANGE, item),
            "shared": list(item.shared_with.all()) if policy.can(request.user, "see_sharing", item) else [],
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Surveys ---------------------------------------------------------------------------------


@login_required
def survey_list(request):
    partner = _partner_filter(request)
    rounds = selectors.survey_list(user=request.user, partner=partner)
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "relations/survey_list.html",
        {
            "page": page,
            "partner": partner,
            "open_for_me": selectors.open_surveys_for(user=request.user),
            "can_add": policy.allows(request.user, policy.ADD, SurveyRound),
            "trend": selectors.survey_trend(user=request.user, partner=partner) if partner else [],
            "query": f"partner={partner.pk}" if partner else "",
        },
    )


@login_required
def survey_create(request):
    _require_add(request.user, SurveyRound)
    partner = _partner_filter(request)
    form = SurveyRoundForm(request.POST or None, user=request.user, partner=partner)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.survey_round_create(
                user=request.user,
                partner=data["partner"],
                title=data["title"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                anonymous=data["anonymous"],
            )
        except ValidationError as exc:
            _apply_form_errors(form, exc)
        else:
            messages.success(request, _("The survey was created and the invitations queued."))
            return redirect(survey)
    status = 400 if request.method == "POST" else 200
    return render(request, "relations/form.html", {"form": form, "title": _("New survey round")}, status=status)


@login_required
def survey_detail(request, pk):
    survey = policy.get_object(request.user, policy.VIEW, SurveyRound.objects.select_related("partner"), pk=pk)
    invitation = selectors.invitation_for(user=request.user, survey=survey)
    context = {
        "survey": survey,
        "results": selectors.survey_results(survey=survey),
        "invitation": invitation,
        "min_answers": selectors.MIN_ANONYMOUS_ANSWERS,
    }
    if policy.can(request.user, "see_progress", survey):
        invitations = survey.invitations.all()
        context["invited"] = invitations.count()
        context["answered"] = invitations.filter(answered=True).count()
    return render(request, "relations/survey_detail.html", context)


@login_required
def survey_answer(request, pk):
    survey = policy.get_object(request.user, policy.VIEW, SurveyRound, pk=pk)
    invitation = selectors.invitation_for(user=request.user, survey=survey)
    if invitation is None:
        raise PermissionDenied
    form = SurveyAnswerForm(request.POST or None, survey=survey, language=(get_language() or "en")[:2])
    if request.method == "POST":
        if invitation.answered:
            messages.error(request, _("You have already answered this survey. Your answer was kept as it was."))
            return redirect(survey)
        if form.is_valid():
            scores = {key: form.cleaned_data[key] for key in form.question_keys}
            try:
                services.survey_answer(
                    user=request.user, survey=survey, scores=scores, comment=form.cleaned_data["comment"]
                )
            except ValidationError as exc:
                _apply_form_errors(form, exc)
            else:
                messages.success(request, _("Thank you for your answer."))
                return redirect(survey)
    return render(
        request,
        "relations/survey_answer.html",
        {"survey": survey, "form": form, "invitation": invitation},
        status=400 if request.method == "POST" else 200,
    )
