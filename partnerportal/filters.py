"""The API's filter backend: django-filter's, restricted by the access policy.

Kept apart from partnerportal/api.py: REST framework imports its filter backends while it loads
its generic views, which api.py itself imports (through drf-spectacular).
"""

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend

from partnerportal import policy


class ScopedFilterBackend(DjangoFilterBackend):
    """django-filter's backend, with every related-object filter's choices (`?partner=`, `?meeting=`,
    ...) narrowed to the requesting user's view scope: another partner's id and a missing one get the
    same 400 ("Select a valid choice"), so a list filter tells nothing about existence either."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        for lookup in filterset.filters.values():
            choices = getattr(lookup, "queryset", None)
            if isinstance(choices, QuerySet):
                try:
                    lookup.queryset = policy.scope(request.user, policy.VIEW, choices)
                except LookupError:  # a model the policy does not know is never a partner's
                    continue
        return filterset
