"""The base view mixins every app uses and the one choreography of service calls (forms and buttons)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.generic import View

from partnerportal import policy


class HostRequiredMixin(LoginRequiredMixin):
    """Pages for host staff only (admins and warehouse managers).

    A page about one object names its model (or a queryset of it) in `about_model` (looked up by
    the URL's `about_kwarg`): a user refused the page then gets 404 for an object out of their reach and 403
    only for one they can see, so a guessed id tells nothing.
    """

    admin_only = False
    about_model = None
    about_kwarg = "pk"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            allowed = policy.is_admin(request.user) if self.admin_only else policy.is_host(request.user)
            if not allowed:
                if self.about_model is not None and self.about_kwarg in kwargs:
                    policy.get_object(request.user, policy.VIEW, self.about_model, pk=kwargs[self.about_kwarg])
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AdminRequiredMixin(HostRequiredMixin):
    admin_only = True


class PolicyMixin(LoginRequiredMixin):
    """Class-based views whose objects come from the access policy.

    Set `model` and `policy_action`; `get_queryset()` and `get_object()` then only ever see what
    the user may act on. An object outside the user's view scope answers 404; an object the user
    may see but not change answers 403.
    """

    policy_action = policy.VIEW

    def get_base_queryset(self):
        return self.model._default_manager.all()

    def get_queryset(self):
        return policy.scope(self.request.user, policy.VIEW, self.get_base_queryset())

    def get_object(self, queryset=None):
        lookup = {"pk": self.kwargs[self.pk_url_kwarg]}
        return policy.get_object(self.request.user, self.policy_action, self.get_base_queryset(), **lookup)


def service_errors_to_form(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names if the form has it, else
    on the form as a whole (shown in the error summary)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def flash_service_errors(request, error: ValidationError) -> None:
    """Show a service's ValidationError as error messages on the next page (for buttons)."""
    for message in error.messages:
        messages.error(request, message)


class ServiceFormView(LoginRequiredMixin, View):
    """The one choreography of a page whose form feeds one service call.

    GET shows the form. POST validates it and calls `perform(form)`, which calls the service and
    returns what it made. A ValidationError from the service lands on the form (see
    `service_errors_to_form`) and the page answers `invalid_status` (400) with the form and nothing
    changed; an invalid form answers the same. On success `success_message` is flashed and the browser goes to
    `get_success_url(result)` (by default the result's own page).

    Subclasses set `form_class` and `template_name`, implement `perform()`, and add what the form
    and the page need with `get_form_kwargs()` and `get_context_data()`. Access checks belong in
    `dispatch()` / `setup_view()` (run before the form is built) or in the service.
    """

    form_class = None
    template_name = None
    success_message = ""
    invalid_status = 400

    def setup_view(self) -> None:
        """Load what the page is about (e.g. `self.object`); runs once per request, before the form."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.setup_view()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {}

    def get_form(self):
        if self.request.method == "POST":
            return self.form_class(self.request.POST, self.request.FILES, **self.get_form_kwargs())
        return self.form_class(**self.get_form_kwargs())

    def get_context_data(self, **context) -> dict:
        return context

    def perform(self, form):
        raise NotImplementedError(f"{type(self).__name__} must call its service in perform()")

    def get_success_message(self, result) -> str:
        return self.success_message

    def get_success_url(self, result) -> str:
        return result.get_absolute_url()

    def form_succeeded(self, form, result):
        message = self.get_success_message(result)
        if message:
            messages.success(self.request, message)
        return redirect(self.get_success_url(result))

    def render_form(self, form, status=200):
        return render(self.request, self.template_name, self.get_context_data(form=form), status=status)

    def get(self, request, *args, **kwargs):
        return self.render_form(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            try:
                result = self.perform(form)
            except ValidationError as error:
                service_errors_to_form(form, error)
            else:
                return self.form_succeeded(form, result)
        return self.render_form(form, status=self.invalid_status)


class ServiceActionView(LoginRequiredMixin, View):
    """The one choreography of a button: POST calls one service about one object.

    `get_object()` fetches the object through the access policy (404 out of scope, 403 in scope
    but not allowed); `perform(obj)` calls the service. Success flashes `success_message`, a
    ValidationError from the service is flashed as errors and nothing changes; either way the
    browser goes back to `get_success_url(obj, result)` / `get_failure_url(obj)` (the object's page
    by default). Pages whose button answers otherwise (e.g. htmx) override `action_succeeded()` /
    `action_failed()`.
    """

    http_method_names = ["post"]
    success_message = ""

    def get_object(self):
        raise NotImplementedError(f"{type(self).__name__} must fetch its object in get_object()")

    def perform(self, obj):
        raise NotImplementedError(f"{type(self).__name__} must call its service in perform()")

    def get_success_message(self, obj, result) -> str:
        return self.success_message

    def get_success_url(self, obj, result) -> str:
        return obj.get_absolute_url()

    def get_failure_url(self, obj) -> str:
        return obj.get_absolute_url()

    def action_succeeded(self, obj, result):
        message = self.get_success_message(obj, result)
        if message:
            messages.success(self.request, message)
        return redirect(self.get_success_url(obj, result))

    def action_failed(self, obj, error: ValidationError):
        flash_service_errors(self.request, error)
        return redirect(self.get_failure_url(obj))

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        try:
            result = self.perform(obj)
        except ValidationError as error:
            return self.action_failed(obj, error)
        return self.action_succeeded(obj, result)
