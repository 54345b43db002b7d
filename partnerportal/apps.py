from django.apps import AppConfig


class PartnerPortalConfig(AppConfig):
    name = "partnerportal"
    verbose_name = "Partner portal"
