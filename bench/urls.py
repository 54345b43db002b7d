"""The portal's URLs plus one bench-only view: what Django itself costs for a signed-in request.

`/bench/bare/` answers two bytes through the portal's whole middleware stack (session, user,
language, CSRF, security headers), with no template and no query of its own. The KPI benchmark
reports it next to the scorecard: no page of the portal can cost less.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path


@login_required
def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("", include("partnerportal.urls"))]
