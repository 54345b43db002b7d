"""The shell's one view choreography for service calls (partnerportal.views)."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import translation

from partnerportal.views import ServiceActionView, ServiceFormView
from tests.factories import UserFactory


class Thing:
    def __init__(self, name):
        self.name = name

    def get_absolute_url(self):
        return f"/things/{self.name}/"


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)


def refusing(**errors):
    def service(name):
        raise ValidationError(errors or "The service refused.")

    return service


class NameView(ServiceFormView):
    form_class = NameForm
    template_name = "includes/form.html"
    success_message = "Saved."
    service = staticmethod(Thing)

    def perform(self, form):
        return self.service(form.cleaned_data["name"])


class ButtonView(ServiceActionView):
    success_message = "Done."
    service = staticmethod(lambda thing: thing)

    def get_object(self):
        return Thing("a")

    def perform(self, obj):
        return self.service(obj)


@pytest.fixture
def post(db):
    user = UserFactory()

    def post(view, data=None):
        request = RequestFactory().post("/", data or {})
        request.user = user
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        # In English whatever language an earlier test's request left active (Django's messages are asserted).
        with translation.override("en"):
            return view(request), [str(m) for m in get_messages(request)]

    return post


def test_a_valid_form_calls_the_service_and_goes_to_the_result(post):
    response, said = post(NameView.as_view(), {"name": "pallets"})
    assert response.status_code == 302 and response.url == "/things/pallets/"
    assert said == ["Saved."]


def test_an_invalid_form_never_reaches_the_service(post):
    with translation.override("en"):
        response, said = post(NameView.as_view(service=refusing()), {"name": ""})
    assert response.status_code == 400 and said == []
    assert "This field is required." in response.content.decode()


def test_a_service_error_on_a_field_lands_on_that_field(post):
    response, said = post(NameView.as_view(service=refusing(name="Taken.")), {"name": "x"})
    assert response.status_code == 400 and said == []
    assert "Taken." in response.content.decode()


def test_a_service_error_on_an_unknown_field_lands_on_the_form(post):
    captured = {}

    class Capturing(NameView):
        def render_form(self, form, status=200):
            captured["form"] = form
            return super().render_form(form, status)

    response, _ = post(Capturing.as_view(service=refusing(deadline="Too late.")), {"name": "x"})
    assert response.status_code == 400
    assert captured["form"].non_field_errors() == ["Too late."]


def test_a_button_flashes_success_or_the_service_errors(post):
    response, said = post(ButtonView.as_view())
    assert response.url == "/things/a/" and said == ["Done."]

    def refuse(thing):
        raise ValidationError(["Already done.", "Ask the host."])

    response, said = post(ButtonView.as_view(service=staticmethod(refuse)))
    assert response.url == "/things/a/" and said == ["Already done.", "Ask the host."]


def test_a_button_answers_only_post(post, db):
    request = RequestFactory().get("/")
    request.user = UserFactory()
    assert ButtonView.as_view()(request).status_code == 405
