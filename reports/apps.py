from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Statuspapirer")

    def ready(self):
        from goals.signals import round_published
        from reports import receivers

        round_published.connect(receivers.store_papers_on_publish, dispatch_uid="reports.store")
