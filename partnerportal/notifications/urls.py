from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("read-all/", views.MarkAllReadView.as_view(), name="read_all"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("<int:pk>/read/", views.MarkReadView.as_view(), name="read"),
    path("<int:pk>/open/", views.OpenNotificationView.as_view(), name="open"),
]
