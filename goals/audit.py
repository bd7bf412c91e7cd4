"""The audit trail on stdout: every state change of the workflow as one JSON line.

`goals/rounds.py` calls `log_change` from each transition (round opened, closed, published,
reopened; report saved, submitted, returned, approved; joint progress; decisions), so the
line says who did what to which object, whatever page, admin action, API call or command
made the change; `log_admin_entry` does the same for every add, change and delete in the
admin (the project connects it to the admin's LogEntry). The logger `kkrmaal.audit` writes
the JSON to stdout (see LOGGING in settings), where an operator's log collector picks it up;
the history tables keep the full record in the database.

A change made through the API says which key made it (`through_api_key`): its first
characters (`api_key`, as the key's user and the admin list it), its user (`key_owner`) and
who made the key (`key_issued_by`: the user, "operator" or "unknown", municipalities/tokens.py),
so a key that acted for somebody else would show.

Each line is written once the change has committed, but in the context of the code that made
it: the logging filter configured in settings then adds the time, the request's id and the
client's address (nothing here knows about requests).
"""

import contextlib
import contextvars
import json
import logging

from django.contrib.admin.models import ADDITION
from django.contrib.admin.models import CHANGE
from django.contrib.admin.models import DELETION
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from goals.models import GoalDecision
from goals.models import JointProgress
from goals.models import StatusReport
from goals.models import StatusRound
from municipalities import tokens

logger = logging.getLogger("kkrmaal.audit")

# The API key the changes being made go through (None outside `through_api_key`).
_api_key = contextvars.ContextVar("audit_api_key", default=None)


# Which round, municipality or goal each kind of object belongs to, from ids it already holds
# (no query: the transitions' query counts stay as they are).
CONTEXT = {
    StatusRound: ("paper_id", "year", "state"),
    StatusReport: ("round_id", "municipality_id", "state", "version"),
    JointProgress: ("round_id", "milestone_id", "cluster_id", "status"),
    GoalDecision: ("round_id", "goal_id", "decision", "new_goal_id"),
}


def log_change(event, obj, by, **details):
    """Log `event` on `obj` by user `by` once the surrounding transaction has committed: a
    change that is rolled back never happened, so it is never logged."""
    line = {
        "event": event,
        "user": getattr(by, "username", None),
        "user_id": getattr(by, "pk", None),
        "object": obj._meta.label,
        "object_id": obj.pk,
        **{name: getattr(obj, name) for name in CONTEXT.get(type(obj), ())},
        **(_api_key.get() or {}),
        **details,
    }
    log_on_commit(line)


@contextlib.contextmanager
def through_api_key(token):
    """Every change logged inside names the API key `token` that made it (one query: who
    made the key). Without a key (None) the lines are as anywhere else."""
    if token is None:
        yield
        return
    reset = _api_key.set(
        {
            "api_key": token.token_key,
            "key_owner": token.user.get_username(),
            "key_issued_by": tokens.issuer(token),
        }
    )
    try:
        yield
    finally:
        _api_key.reset(reset)


def log_on_commit(line):
    """Log `line` once the surrounding transaction has committed, in the context of the
    caller (so the request's id and address are still those of the request that made the
    change). The message is the line as JSON text; the fields go along as `audit` for the
    JSON formatter to put at the top level."""
    text = json.dumps(line, ensure_ascii=False, default=str)
    context = contextvars.copy_context()
    transaction.on_commit(lambda: context.run(logger.info, text, extra={"audit": line}))


ADMIN_EVENTS = {ADDITION: "admin.added", CHANGE: "admin.changed", DELETION: "admin.deleted"}


def log_admin_entry(entry, by):
    """Log the admin's record `entry` (a LogEntry: one object added, changed or deleted in
    the admin) by user `by`: which object, and what changed as the admin recorded it (its
    change message, e.g. `[{"changed": {"fields": ["Titel"]}}]`)."""
    content_type = (
        ContentType.objects.get_for_id(entry.content_type_id) if entry.content_type_id else None
    )
    model = content_type.model_class() if content_type else None
    if model is not None:
        label = model._meta.label
    else:
        label = f"{content_type.app_label}.{content_type.model}" if content_type else None
    object_id = entry.object_id  # text in the table (an int before a bulk_create reads it)
    if object_id is not None and str(object_id).isdigit():
        object_id = int(object_id)
    try:
        changes = json.loads(entry.change_message) if entry.change_message else []
    except ValueError:  # an old entry's free text
        changes = entry.change_message
    log_on_commit(
        {
            "event": ADMIN_EVENTS.get(entry.action_flag, "admin.logged"),
            "user": getattr(by, "username", None),
            "user_id": entry.user_id,
            "object": label,
            "object_id": object_id,
            "object_repr": entry.object_repr,
            "changes": changes,
        }
    )
