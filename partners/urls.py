from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.PartnerListView.as_view(), name="list"),
    path("new/", views.PartnerCreateView.as_view(), name="create"),
    path("<int:pk>/", views.PartnerDetailView.as_view(), name="detail"),
    path("<int:pk>/sections/<slug:key>/", views.PartnerSectionView.as_view(), name="section"),
    path("<int:pk>/edit/", views.PartnerUpdateView.as_view(), name="edit"),
    path("<int:pk>/sites/new/", views.SiteCreateView.as_view(), name="site_create"),
    path("sites/<int:pk>/edit/", views.SiteUpdateView.as_view(), name="site_edit"),
    path("picker/", views.PartnerPickerView.as_view(), name="picker"),
]

# People: each organisation's people and invitations (the host's too), and the invitation link (public).
urlpatterns += [
    path("<int:pk>/people/", views.OrganizationPeopleView.as_view(), name="people"),
    path("host/people/", views.OrganizationPeopleView.as_view(), name="host_people"),
    path("<int:pk>/people/invite/", views.InvitationCreateView.as_view(), name="invite"),
    path("invitations/<int:pk>/resend/", views.InvitationResendView.as_view(), name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", views.InvitationRevokeView.as_view(), name="invitation_revoke"),
    path("people/<int:pk>/role/", views.PersonRoleView.as_view(), name="person_role"),
    path("people/<int:pk>/deactivate/", views.PersonDeactivateView.as_view(), name="person_deactivate"),
    path("people/<int:pk>/reactivate/", views.PersonReactivateView.as_view(), name="person_reactivate"),
    path("join/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"),
    path("join/<str:token>/ask/", views.InvitationAskAgainView.as_view(), name="invitation_ask_again"),
]
