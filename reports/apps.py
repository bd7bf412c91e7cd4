from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Statuspapirer")

    def ready(self):
        from django.db.models.signals import post_migrate

        from reports.upgrade import after_migrate

        # Rounds published before publications existed get theirs (reports/upgrade.py).
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="reports.upgrade")

        from reports import cache

        cache.connect_signals()
