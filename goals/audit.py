"""The audit trail on stdout: every state change of the workflow as one JSON line.

`goals/rounds.py` calls `log_change` from each transition (round opened, closed, published,
reopened; report saved, submitted, returned, approved; joint progress; decisions), so the
line says who did what to which object, whatever page, admin action, API call or command
made the change. The logger `kkrmaal.audit` writes the bare JSON to stdout (see LOGGING in
settings), where an operator's log collector picks it up; the history tables keep the full
record in the database.
"""

import json
import logging

from django.db import transaction

from goals.models import GoalDecision
from goals.models import JointProgress
from goals.models import StatusReport
from goals.models import StatusRound

logger = logging.getLogger("kkrmaal.audit")


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
        **details,
    }
    text = json.dumps(line, ensure_ascii=False, default=str)
    transaction.on_commit(lambda: logger.info(text))
