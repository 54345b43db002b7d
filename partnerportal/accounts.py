"""The account pages: login, password change and reset, the profile and the API token."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, UpdateView

from partnerportal.backends import may_sign_in


class PortalAuthenticationForm(AuthenticationForm):
    """Django's login form, plus a clear answer for a deactivated account.

    The "deactivated" message is given only with the right password, so a stranger still learns
    nothing about which user names exist; anything else gets the one generic message.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "deactivated": _(
            "Your account or your organisation has been deactivated, so you cannot log in. "
            "Please contact the portal's administrators."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if self._is_deactivated_account():
                raise forms.ValidationError(self.error_messages["deactivated"], code="deactivated") from None
            raise

    def _is_deactivated_account(self) -> bool:
        if self.request is not None and getattr(self.request, "axes_locked_out", False):
            return False
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return False
        model = get_user_model()
        user = model._default_manager.select_related("organization").filter(**{model.USERNAME_FIELD: username}).first()
        return user is not None and not may_sign_in(user) and user.check_password(password)


class PortalLoginView(auth_views.LoginView):
    """Django's login: one generic message for any wrong user name or password (no user hint).

    django-axes counts each failure and locks the user name + address out after
    AXES_FAILURE_LIMIT attempts (see templates/registration/locked_out.html). A deactivated
    person (or one of a deactivated organisation) who gives the right password is told so.
    """

    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True


class PortalPasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    success_url = reverse_lazy("profile")
    success_message = _("Your password was changed.")


class PortalPasswordResetView(auth_views.PasswordResetView):
    # The same answer whether or not an account has the address: nothing to learn from it.
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


class ProfileForm(forms.ModelForm):
    class Meta:
        model = get_user_model()
        fields = ["first_name", "last_name", "email", "title", "phone", "language", "time_zone"]


class ProfileView(LoginRequiredMixin, SuccessMessageMixin, UpdateView):
    form_class = ProfileForm
    template_name = "registration/profile.html"
    success_url = reverse_lazy("profile")
    success_message = _("Your profile was saved.")

    def get_object(self, queryset=None):
        return self.request.user


class ApiTokenView(LoginRequiredMixin, TemplateView):
    """Show the user's API token; POST creates a new one (the old one stops working)."""

    template_name = "registration/api_token.html"

    def post(self, request):
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user=request.user).delete()
        Token.objects.create(user=request.user)
        messages.success(request, _("A new API token was created. The old one no longer works."))
        return redirect("api_token")

    def get_context_data(self, **kwargs):
        from rest_framework.authtoken.models import Token

        context = super().get_context_data(**kwargs)
        context["token"] = Token.objects.filter(user=self.request.user).first()
        return context
