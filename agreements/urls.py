from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("", views.AgreementListView.as_view(), name="list"),
    path("partner/<int:partner_pk>/new/", views.AgreementCreateView.as_view(), name="create"),
    path("<int:pk>/", views.AgreementDetailView.as_view(), name="detail"),
    path("<int:pk>/revise/", views.DraftCreateView.as_view(), name="revise"),
    path("<int:pk>/compare/", views.CompareView.as_view(), name="compare"),
    path("versions/<int:pk>/", views.VersionDetailView.as_view(), name="version"),
    path("versions/<int:pk>/print/", views.VersionPrintView.as_view(), name="print"),
    path("versions/<int:pk>/edit/", views.VersionEditView.as_view(), name="edit"),
    path("versions/<int:pk>/send/", views.SendView.as_view(), name="send"),
    path("versions/<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("versions/<int:pk>/sign/", views.SignView.as_view(), name="sign"),
    path("versions/<int:pk>/terminate/", views.TerminateView.as_view(), name="terminate"),
    path("versions/<int:pk>/<slug:kind>/new/", views.RowCreateView.as_view(), name="row_create"),
    path("versions/<int:pk>/<slug:kind>/<int:row_pk>/", views.RowView.as_view(), name="row"),
    path("versions/<int:pk>/<slug:kind>/<int:row_pk>/edit/", views.RowEditView.as_view(), name="row_edit"),
    path("versions/<int:pk>/<slug:kind>/<int:row_pk>/delete/", views.RowDeleteView.as_view(), name="row_delete"),
    path("templates/", views.TemplateListView.as_view(), name="template_list"),
    path("templates/new/", views.TemplateCreateView.as_view(), name="template_create"),
    path("templates/<int:pk>/", views.TemplateDetailView.as_view(), name="template"),
    path("templates/<int:pk>/edit/", views.TemplateEditView.as_view(), name="template_edit"),
    path("<int:pk>/template/carry/", views.TemplateCarryView.as_view(), name="carry_template"),
]
