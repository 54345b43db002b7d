"""What the relations pages share: the `?partner=` filter, the "add" check, file downloads."""

import mimetypes

from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.views import View

from partnerportal import policy
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


class ObjectButtonView(PolicyMixin, ServiceActionView):
    """A button about one object of `model`, fetched for `policy_action` (404 out of the user's
    reach, 403 when the user may only see it)."""

    pk_url_kwarg = "pk"


class DownloadView(PolicyMixin, View):
    """A stored attachment of `model` the user may see, as a download that is never rendered inline."""

    pk_url_kwarg = "pk"

    def get(self, request, *args, **kwargs):
        attachment = self.get_object()
        content_type = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
        response = FileResponse(
            attachment.file.open("rb"), as_attachment=True, filename=attachment.name, content_type=content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
