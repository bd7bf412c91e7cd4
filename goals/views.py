"""Reporting and review pages (in progress)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


reporter_home = report_form = evidence_file = secretariat_home = round_overview = _todo
round_action = joint_progress = decisions = review_report = _todo
