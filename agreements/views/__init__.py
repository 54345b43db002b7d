"""Pages of the agreements app, by subject: agreements, versions (with the editor and the life-cycle
buttons) and the rows of a draft. Thin: they parse input and call services and selectors."""

from .agreements import AgreementCreateView, AgreementDetailView, AgreementListView, CompareView, DraftCreateView
from .rows import RowCreateView, RowDeleteView, RowEditView, RowView
from .templates import (
    TemplateCarryView,
    TemplateCreateView,
    TemplateDetailView,
    TemplateEditView,
    TemplateListView,
)
from .versions import (
    SendView,
    SignView,
    TerminateView,
    VersionDetailView,
    VersionEditView,
    VersionPrintView,
    WithdrawView,
)

__all__ = [
    "AgreementCreateView",
    "AgreementDetailView",
    "AgreementListView",
    "CompareView",
    "DraftCreateView",
    "RowCreateView",
    "RowDeleteView",
    "RowEditView",
    "RowView",
    "SendView",
    "TemplateCarryView",
    "TemplateCreateView",
    "TemplateDetailView",
    "TemplateEditView",
    "TemplateListView",
    "SignView",
    "TerminateView",
    "VersionDetailView",
    "VersionEditView",
    "VersionPrintView",
    "WithdrawView",
]
