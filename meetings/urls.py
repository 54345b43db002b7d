from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("series/", views.series_list, name="series_list"),
    path("series/new/", views.series_create, name="series_create"),
    path("series/<int:pk>/", views.series_detail, name="series_detail"),
    path("series/<int:pk>/edit/", views.series_edit, name="series_edit"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("<int:pk>/topics/add/", views.topic_add, name="topic_add"),
    path("topics/<int:pk>/delete/", views.topic_delete, name="topic_delete"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("<int:pk>/publish/", views.meeting_publish, name="meeting_publish"),
    path("<int:pk>/held/", views.meeting_held, name="meeting_held"),
    path("<int:pk>/move/", views.meeting_move, name="meeting_move"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/mine/", views.my_actions, name="my_actions"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/new/<int:partner_pk>/", views.action_create, name="action_create"),
    path("calendar/", views.feed_settings, name="feed_settings"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
