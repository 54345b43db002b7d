from django.urls import path
from django.views.generic import TemplateView

app_name = "notifications"

# Placeholder routes replaced by the notifications views.
urlpatterns = [
    path("", TemplateView.as_view(template_name="base.html"), name="inbox"),
    path("preferences/", TemplateView.as_view(template_name="base.html"), name="preferences"),
]
