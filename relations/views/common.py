"""What the relations pages share: the `?partner=` filter, paged lists, the "add" check, file downloads."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.views import View
from django.views.generic import TemplateView

from partnerportal import policy, uploads
from partnerportal.views import PolicyMixin, ServiceActionView
from partners.selectors import partner_from_query

PAGE_SIZE = 25


def partner_filter(request):
    """The ?partner= filter (partners.selectors.partner_from_query: unknown is a 404)."""
    return partner_from_query(user=request.user, value=request.GET.get("partner"))


def require_add(user, model):
    if not policy.allows(user, policy.ADD, model):
        raise PermissionDenied


def partner_query(partner) -> str:
    """The list's query string that keeps the partner filter across pages."""
    return f"partner={partner.pk}" if partner else ""


def choice_filter(request, name, choices) -> str:
    """The `?<name>=` filter when it is one of `choices` (anything else: no filter, empty)."""
    value = request.GET.get(name, "")
    return value if value in choices.values else ""


class PagedListView(LoginRequiredMixin, TemplateView):
    """A paged list of `model` rows, filtered by `?partner=`: `listing(partner)` gives the rows and
    what else the page shows; the page has an "add" button when the user may add one."""

    model = None

    def get_context_data(self, **kwargs):
        partner = partner_filter(self.request)
        rows, extra = self.listing(partner)
        return super().get_context_data(
            page=Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page")),
            partner=partner,
            can_add=policy.allows(self.request.user, policy.ADD, self.model),
            query=partner_query(partner),
            **extra,
            **kwargs,
        )


class ObjectButtonView(PolicyMixin, ServiceActionView):
    """A button about one object of `model`, fetched for `policy_action` (404 out of the user's
    reach, 403 when the user may only see it)."""

    pk_url_kwarg = "pk"


class DownloadView(PolicyMixin, View):
    """A stored attachment of `model` the user may see, as a download that is never rendered inline."""

    pk_url_kwarg = "pk"

    def get(self, request, *args, **kwargs):
        attachment = self.get_object()
        return uploads.download_response(attachment.file, attachment.name)
