"""The e-mails of a status round, in Danish, each with a link to the page to act on.

Called by goals.rounds after the change has committed, by the send_reminders command and by
the secretariat's "send påmindelse nu" (`remind_now`).
"""

import datetime
import logging
from typing import NamedTuple

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail import send_mass_mail
from django.db import IntegrityError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from goals import audit
from goals.models import Reminder
from goals.models import StatusReport
from municipalities.models import Membership

log = logging.getLogger(__name__)


class Reminded(NamedTuple):
    """What "send påmindelse nu" did (`remind_now`)."""

    reminded: list
    skipped: dict
    no_reporter: list


def _reminder_template(report, today):
    """Kind before the deadline, firmer after it, whoever sends the reminder."""
    if report.is_overdue(today):
        return "email/reminder_overdue.txt"
    return "email/reminder_before_deadline.txt"


def _link(path):
    return f"{settings.SITE_URL}{path}"


def reporter_addresses(municipality_ids):
    """{municipality_id: [e-mail, …]} of the active reporters of the municipalities."""
    addresses = {}
    memberships = Membership.objects.reachable_reporters().filter(
        municipality_id__in=municipality_ids
    )
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


def send_reminders(*, days_before=None, today=None):
    """Remind the reporters of every unsubmitted report in an open round: once when the
    deadline is `days_before` days away or less (REMINDER_DAYS_BEFORE unless given), once
    more when it has passed.

    Each reminder is recorded (`Reminder`, unique per report and kind) in the same
    transaction as it is sent, so a daily cron job, or two of them at once, sends it once.
    A report the secretariat reminded by hand today gets its turn tomorrow: never two
    reminders on one day (`StatusReportQuerySet.remindable`). Returns the number of e-mails
    sent.
    """
    today = today or timezone.localdate()
    if days_before is None:
        days_before = settings.REMINDER_DAYS_BEFORE
    reports = list(
        StatusReport.objects.remindable(today)
        .filter(round__deadline__lte=today + datetime.timedelta(days=days_before))
        .select_related("round__paper", "municipality")
    )
    sent_before = set(Reminder.objects.filter(report__in=reports).values_list("report_id", "kind"))
    addresses = reporter_addresses({r.municipality_id for r in reports})
    sent = 0
    for report in reports:
        kind = Reminder.Kind.OVERDUE if report.is_overdue(today) else Reminder.Kind.BEFORE_DEADLINE
        recipients = addresses.get(report.municipality_id)
        if (report.pk, kind) in sent_before:
            continue
        if not recipients:
            # "Ingen indberetter": said on the log (and in the cockpit), never skipped silently.
            log.warning(
                "No reminder for %s (round %s): the municipality has no reporter with an "
                "e-mail address",
                report.municipality.name,
                report.round_id,
            )
            audit.log_change("report.not_reminded", report, None, reason="no_reporter")
            continue
        try:
            with transaction.atomic():
                Reminder.objects.create(report=report, kind=kind)
                template = _reminder_template(report, today)
                sent += _send([_message(template, _context(report), recipients)])
        except IntegrityError:
            continue  # another run sent it a moment ago
    return sent


def remind_now(reports, *, by, today=None):
    """The secretariat's "send påmindelse nu": e-mail the reporters of each report in
    `reports` not sent in yet (`StatusReport.may_be_reminded`), weeks before the deadline as
    after it, kindly before and firmly after, at most once a day per report. Each reminder is
    recorded (`Reminder`, kind "manual", with who sent it) and logged (`report.reminded`) in
    the transaction that sends it; the report's row is locked first, so two clicks at once
    send one e-mail.

    Returns (reminded, skipped, no_reporter): the reports reminded now, {report: when} for
    those a reminder already reached today (nothing is sent for them), and those whose
    municipality has no reporter the e-mail reaches ("Ingen indberetter": never skipped
    without a word; each is on the audit log too). A report sent in, or of a round not open,
    is in none of them.
    """
    today = today or timezone.localdate()
    reports = [r for r in reports if r.may_be_reminded()]
    addresses = reporter_addresses({r.municipality_id for r in reports})
    reminded, skipped, no_reporter = [], {}, []
    for report in reports:
        recipients = addresses.get(report.municipality_id)
        if not recipients:
            no_reporter.append(report)
            audit.log_change("report.not_reminded", report, by, reason="no_reporter")
            continue
        with transaction.atomic():
            locked = (
                StatusReport.objects.select_for_update(of=("self",))
                .select_related("round")
                .filter(pk=report.pk)
                .first()
            )
            # Read again under the lock: sent in, or its round closed, since the page read it.
            if locked is None or not locked.may_be_reminded():
                continue
            earlier = report.reminders.sent_on(today).order_by("-sent_at").first()
            if earlier is not None:
                skipped[report] = earlier.sent_at
                continue
            Reminder.objects.create(report=report, kind=Reminder.Kind.MANUAL, sent_by=by)
            template = _reminder_template(locked, today)
            _send([_message(template, _context(report), recipients)])
            audit.log_change("report.reminded", report, by, recipients=len(recipients))
        reminded.append(report)
    return Reminded(reminded, skipped, no_reporter)
