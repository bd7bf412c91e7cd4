"""Every add, change and delete in the admin goes to the audit trail (goals/audit.py).

The admin records each as a LogEntry; `entry_saved` (connected to its post_save in
kkrmaal/apps.py) writes the audit line. Django saves the entries of a multi-object delete
("Slet valgte") with one bulk_create, which sends no post_save: `log_bulk_entries` wraps the
manager's `log_actions` so those are written too, one line per object.
"""

import functools

from django.contrib.admin.models import LogEntryManager

from goals import audit
from kkrmaal.logs import current_request


def actor(entry):
    """Who made the entry: the request's user when it is them (no query), else the row's."""
    request = current_request()
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and getattr(user, "pk", None) == entry.user_id:
        return user
    return entry.user


def entry_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        audit.log_admin_entry(instance, actor(instance))


def log_bulk_entries():
    """Make LogEntryManager.log_actions also audit the entries it bulk-creates."""
    original = LogEntryManager.log_actions
    if getattr(original, "audits_bulk_entries", False):
        return

    @functools.wraps(original)
    def log_actions(self, *args, **kwargs):
        entries = original(self, *args, **kwargs)
        # One object: saved, and its post_save was audited. Several: bulk_create, no signal.
        if isinstance(entries, list) and len(entries) > 1:
            for entry in entries:
                audit.log_admin_entry(entry, actor(entry))
        return entries

    log_actions.audits_bulk_entries = True
    LogEntryManager.log_actions = log_actions
