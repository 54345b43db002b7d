from django.urls import path

from .views import actions, feeds, meetings, series

app_name = "meetings"

urlpatterns = [
    path("", meetings.MeetingListView.as_view(), name="meeting_list"),
    path("series/", series.SeriesListView.as_view(), name="series_list"),
    path("series/new/", series.SeriesCreateView.as_view(), name="series_create"),
    path("series/<int:pk>/", series.SeriesDetailView.as_view(), name="series_detail"),
    path("series/<int:pk>/edit/", series.SeriesEditView.as_view(), name="series_edit"),
    path("<int:pk>/", meetings.MeetingDetailView.as_view(), name="meeting_detail"),
    path("<int:pk>/meeting.ics", meetings.MeetingIcsView.as_view(), name="meeting_ics"),
    path("<int:pk>/topics/add/", meetings.TopicAddView.as_view(), name="topic_add"),
    path("topics/<int:pk>/delete/", meetings.TopicDeleteView.as_view(), name="topic_delete"),
    path("<int:pk>/minutes/", meetings.MinutesView.as_view(), name="meeting_minutes"),
    path("<int:pk>/publish/", meetings.MeetingPublishView.as_view(), name="meeting_publish"),
    path("<int:pk>/held/", meetings.MeetingHeldView.as_view(), name="meeting_held"),
    path("<int:pk>/move/", meetings.MeetingMoveView.as_view(), name="meeting_move"),
    path("<int:pk>/cancel/", meetings.MeetingCancelView.as_view(), name="meeting_cancel"),
    path("actions/", actions.ActionListView.as_view(), name="action_list"),
    path("actions/mine/", actions.MyActionsView.as_view(), name="my_actions"),
    path("actions/<int:pk>/", actions.ActionDetailView.as_view(), name="action_detail"),
    path("actions/new/<int:partner_pk>/", actions.ActionCreateView.as_view(), name="action_create"),
    path("calendar/", feeds.FeedSettingsView.as_view(), name="feed_settings"),
    path("feed/<str:token>.ics", feeds.FeedView.as_view(), name="feed"),
]
