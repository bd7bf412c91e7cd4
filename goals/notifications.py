"""The e-mails of a status round, in Danish, each with a link to the page to act on.

Called by goals.rounds after the change has committed, and by the send_reminders command.
"""

import datetime

from django.conf import settings
from django.core.mail import get_connection, send_mass_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from goals.models import Reminder, StatusReport, StatusRound
from municipalities.models import Membership

REMINDER_TEMPLATES = {
    Reminder.Kind.BEFORE_DEADLINE: "email/reminder_before_deadline.txt",
    Reminder.Kind.OVERDUE: "email/reminder_overdue.txt",
}


def _link(path):
    return f"{settings.SITE_URL}{path}"


def reporter_addresses(municipality_ids):
    """{municipality_id: [e-mail, …]} of the active reporters of the municipalities."""
    addresses = {}
    memberships = Membership.objects.filter(
        role=Membership.Role.REPORTER,
        municipality_id__in=municipality_ids,
        user__is_active=True,
    ).exclude(user__email="")
    for municipality_id, email in memberships.values_list("municipality_id", "user__email"):
        addresses.setdefault(municipality_id, []).append(email)
    return addresses


def _message(template, context, recipients):
    subject, _sep, body = render_to_string(template, context).strip().partition("\n")
    return (subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, recipients)


def _send(messages):
    messages = [m for m in messages if m[3]]
    if messages:
        send_mass_mail(messages, fail_silently=False, connection=get_connection())
    return len(messages)


def round_opened(status_round):
    reports = list(status_round.reports.select_related("round__paper", "municipality"))
    addresses = reporter_addresses([r.municipality_id for r in reports])
    return _send(
        [
            _message(
                "email/round_opened.txt", _context(report), addresses.get(report.municipality_id)
            )
            for report in reports
        ]
    )


def _context(report):
    return {
        "round": report.round,
        "report": report,
        "link": _link(reverse("goals:report_form", args=[report.pk])),
    }


def _about_report(template, report):
    addresses = reporter_addresses([report.municipality_id]).get(report.municipality_id, [])
    return _send([_message(template, _context(report), addresses)])


def report_returned(report):
    return _about_report("email/report_returned.txt", report)


def report_approved(report):
    return _about_report("email/report_approved.txt", report)


def send_reminders(*, days_before=7, today=None):
    """Remind the reporters of every unsubmitted report in an open round: once when the
    deadline is `days_before` days away or less, once more when it has passed.

    Each reminder is recorded (`Reminder`, unique per report and kind) in the same
    transaction as it is sent, so a daily cron job, or two of them at once, sends it once.
    Returns the number of e-mails sent.
    """
    today = today or timezone.localdate()
    reports = list(
        StatusReport.objects.unsubmitted()
        .filter(
            round__state=StatusRound.State.OPEN,
            round__deadline__lte=today + datetime.timedelta(days=days_before),
        )
        .select_related("round__paper", "municipality")
    )
    sent_before = set(Reminder.objects.filter(report__in=reports).values_list("report_id", "kind"))
    addresses = reporter_addresses({r.municipality_id for r in reports})
    sent = 0
    for report in reports:
        kind = Reminder.Kind.OVERDUE if report.is_overdue(today) else Reminder.Kind.BEFORE_DEADLINE
        recipients = addresses.get(report.municipality_id)
        if (report.pk, kind) in sent_before or not recipients:
            continue
        try:
            with transaction.atomic():
                Reminder.objects.create(report=report, kind=kind)
                sent += _send([_message(REMINDER_TEMPLATES[kind], _context(report), recipients)])
        except IntegrityError:
            continue  # another run sent it a moment ago
    return sent
