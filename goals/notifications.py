"""The e-mails of a status round, in Danish, each with a link to the page to act on.

Called by goals.rounds after the change has committed, and by the send_reminders command.
"""

from django.conf import settings
from django.core.mail import get_connection, send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse

from municipalities.models import Membership


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
    reports = list(status_round.reports.select_related("municipality"))
    addresses = reporter_addresses([r.municipality_id for r in reports])
    return _send(
        _message(
            "email/round_opened.txt",
            {
                "round": status_round,
                "report": report,
                "link": _link(reverse("goals:report_form", args=[report.pk])),
            },
            addresses.get(report.municipality_id, []),
        )
        for report in reports
    )


def _about_report(template, report, extra_recipients=()):
    addresses = reporter_addresses([report.municipality_id]).get(report.municipality_id, [])
    return _send(
        [
            _message(
                template,
                {
                    "round": report.round,
                    "report": report,
                    "link": _link(reverse("goals:report_form", args=[report.pk])),
                },
                addresses,
            )
        ]
    )


def report_returned(report):
    return _about_report("email/report_returned.txt", report)


def report_approved(report):
    return _about_report("email/report_approved.txt", report)


def reminder(report, kind):
    template = {
        "before_deadline": "email/reminder_before_deadline.txt",
        "overdue": "email/reminder_overdue.txt",
    }[kind]
    return _about_report(template, report)
