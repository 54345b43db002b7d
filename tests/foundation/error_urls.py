"""The project's URLs plus a view that fails, to see the 500 page."""

from django.urls import path

from partnerportal.urls import urlpatterns as project_urlpatterns


def broken_view(request):
    raise RuntimeError("boom")


urlpatterns = [path("test-error/", broken_view), *project_urlpatterns]
