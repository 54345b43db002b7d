"""The roadmap: the host's plans, shared with chosen partners, and the comments in each partner's thread."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from partnerportal import policy
from partnerportal.views import PolicyMixin, ServiceFormView

from .. import selectors, services
from ..forms import RoadmapCommentForm, RoadmapForm
from ..models import RoadmapComment, RoadmapItem
from .common import partner_filter, require_add


class RoadmapListView(LoginRequiredMixin, TemplateView):
    template_name = "relations/roadmap_list.html"

    def get_context_data(self, **kwargs):
        partner = partner_filter(self.request)
        return super().get_context_data(
            items=selectors.roadmap_list(user=self.request.user, partner=partner),
            partner=partner,
            can_add=policy.allows(self.request.user, policy.ADD, RoadmapItem),
            **kwargs,
        )


class RoadmapCreateView(ServiceFormView):
    """Add a plan; RoadmapEditView changes one. The message says whom the saved plan is shared with."""

    form_class = RoadmapForm
    template_name = "relations/roadmap_form.html"
    item = None

    def setup_view(self):
        require_add(self.request.user, RoadmapItem)

    def get_form_kwargs(self):
        return {"instance": self.item}

    def get_context_data(self, **context):
        # An edited plan's title as the validated form left it: a refused edit shows what was typed.
        return {**context, "title": self.item.title if self.item else _("Add a plan"), "back": self.item}

    def perform(self, form):
        return services.roadmap_save(
            user=self.request.user, item=form.save(commit=False), shared_with=form.cleaned_data["shared_with"]
        )

    def get_success_message(self, item):
        names = ", ".join(p.name for p in item.shared_with.order_by("name"))
        if names:
            return _("The plan was saved and is shared with: %(names)s.") % {"names": names}
        return _("The plan was saved. The plan is internal: no partner sees it.")


class RoadmapEditView(PolicyMixin, RoadmapCreateView):
    model = RoadmapItem
    policy_action = policy.CHANGE
    pk_url_kwarg = "pk"

    def setup_view(self):
        self.item = self.get_object()


class RoadmapDetailView(ServiceFormView):
    """A plan with the comments the user may see; who may comment writes below them."""

    form_class = RoadmapCommentForm
    template_name = "relations/roadmap_detail.html"

    def setup_view(self):
        self.item = selectors.roadmap_detail(user=self.request.user, pk=self.kwargs["pk"])
        self.can_comment = (
            policy.allows(self.request.user, policy.ADD, RoadmapComment) and self.item.shared_with.exists()
        )

    def get_form(self):
        return super().get_form() if self.can_comment else None

    def get_form_kwargs(self):
        return {"item": self.item, "user": self.request.user}

    def get_context_data(self, **context):
        user = self.request.user
        return {
            **context,
            "item": self.item,
            "comments": selectors.roadmap_comments(user=user, item=self.item),
            "can_change": policy.can(user, policy.CHANGE, self.item),
            "shared": list(self.item.shared_with.all()) if policy.can(user, "see_sharing", self.item) else [],
        }

    def post(self, request, *args, **kwargs):
        if not self.can_comment:
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        services.roadmap_comment(
            user=self.request.user,
            item=self.item,
            body=data["body"],
            is_idea=data["is_idea"],
            partner=data.get("partner"),
        )
        return self.item

    def get_success_message(self, item):
        return _("Your comment was added.")
