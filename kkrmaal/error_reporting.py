"""Error reporting to Sentry (or a Sentry-compatible service such as GlitchTip), when
SENTRY_DSN is set: settings.py calls `init` then, and nothing is initialised otherwise.

Unhandled exceptions in views, management commands and the job worker, and every log line at
ERROR, become events. No personal data is sent: `send_default_pii=False` (no user, no IP
address, cookies and credentials filtered), no request bodies and no local variables of the
traceback's frames. Each event carries the request's id as
the tag `request_id`, the same as in the logs (kkrmaal/logs.py), to find its log lines.
"""

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

from kkrmaal.logs import current


def tag_request_id(event, hint):
    context = current.get()
    if context:
        event.setdefault("tags", {})["request_id"] = context["request_id"]
    return event


def init(dsn, *, environment=None, release=None, **options):
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        # Nor what a form sent, nor a frame's variables (a report's text, a user's name).
        max_request_body_size="never",
        include_local_variables=False,
        before_send=tag_request_id,
        **options,
    )
