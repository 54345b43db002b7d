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
