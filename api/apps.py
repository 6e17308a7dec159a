from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Partner API"

    def ready(self):
        from api import schema  # noqa: F401  (registers the credentials with drf-spectacular)
