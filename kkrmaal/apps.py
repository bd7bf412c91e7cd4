from django.apps import AppConfig


class KkrmaalConfig(AppConfig):
    name = "kkrmaal"
    verbose_name = "KKR-mål"
