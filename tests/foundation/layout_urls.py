"""The project's URLs plus two probes of the layout's cost (tests/foundation/test_layout_cost.py):
a signed-in page that is the layout with no data, and a fragment rendered with the request."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.template import engines
from django.urls import path

from partnerportal.urls import urlpatterns as project_urlpatterns


@login_required
def layout_probe(request):
    return render(request, "base.html")


@login_required
def fragment_probe(request):
    """What an htmx answer is: a small template with the request's context, no layout."""
    template = engines["django"].from_string('<p id="fragment">{{ request.path }}</p>')
    return HttpResponse(template.render({}, request))


urlpatterns = [
    path("layout-probe/", layout_probe, name="layout_probe"),
    path("fragment-probe/", fragment_probe, name="fragment_probe"),
    *project_urlpatterns,
]
