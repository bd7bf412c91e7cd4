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

from goals.models import GoalDecision, JointProgress, StatusReport, StatusRound

logger = logging.getLogger("kkrmaal.audit")


def _describe(obj):
    """Which round, municipality or goal the object belongs to, from ids it already holds
    (no query: the transitions' query counts stay as they are)."""
    if isinstance(obj, StatusRound):
        return {"paper_id": obj.paper_id, "year": obj.year, "state": obj.state}
    if isinstance(obj, StatusReport):
        return {
            "round_id": obj.round_id,
            "municipality_id": obj.municipality_id,
            "state": obj.state,
            "version": obj.version,
        }
    if isinstance(obj, JointProgress):
        return {
            "round_id": obj.round_id,
            "milestone_id": obj.milestone_id,
            "cluster_id": obj.cluster_id,
            "status": obj.status,
        }
    if isinstance(obj, GoalDecision):
        return {
            "round_id": obj.round_id,
            "goal_id": obj.goal_id,
            "decision": obj.decision,
            "new_goal_id": obj.new_goal_id,
        }
    return {}


def log_change(event, obj, by, **details):
    """Log `event` on `obj` by user `by` once the surrounding transaction has committed: a
    change that is rolled back never happened, so it is never logged."""
    line = {
        "event": event,
        "user": getattr(by, "username", None),
        "user_id": getattr(by, "pk", None),
        "object": obj._meta.label,
        "object_id": obj.pk,
        **_describe(obj),
        **details,
    }
    text = json.dumps(line, ensure_ascii=False, default=str)
    transaction.on_commit(lambda: logger.info(text))
