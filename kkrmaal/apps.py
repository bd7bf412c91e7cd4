from django.apps import AppConfig
from django.db.models.signals import post_save


class KkrmaalConfig(AppConfig):
    name = "kkrmaal"
    verbose_name = "KKR-mål"

    def ready(self):
        from django.contrib.admin.models import LogEntry

        from kkrmaal import accounts  # noqa: F401  (its receiver counts a trusted browser's failures)
        from kkrmaal import admin_audit

        # Every add, change and delete in the admin is a line of the audit trail.
        post_save.connect(
            admin_audit.entry_saved, sender=LogEntry, dispatch_uid="kkrmaal.admin_audit"
        )
        admin_audit.log_bulk_entries()
