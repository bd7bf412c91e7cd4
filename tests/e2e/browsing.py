"""What the browser tests share: a browser context whose pages fall silent when the test is
over, and reading what the live server wrote."""

import contextlib
import time

from django.db import OperationalError

# Added to every page of a context before its own scripts run: once the test is over
# (`window.__testOver`), the page's own fetches are refused in the page itself. A save the
# report form sends as a page goes (`keepalive`, on pagehide) would otherwise reach the live
# server during the database flush, even with the context's requests routed to nothing: a
# keepalive request outlives its page, and Chromium no longer asks the route about it.
SILENT_AFTER_THE_TEST = """
(() => {
  const send = window.fetch;
  window.fetch = function (...args) {
    return window.__testOver
      ? Promise.reject(new TypeError("the test is over"))
      : send.apply(this, args);
  };
})();
"""
# The report form's status line says "saving" while an autosave is under way.
SAVING = "[data-autosave-status][data-state=saving]"


def new_context(browser, **options):
    """A browser context for a test, to be closed with `close_quietly`."""
    context = browser.new_context(**options)
    context.add_init_script(SILENT_AFTER_THE_TEST)
    return context


def close_quietly(context):
    """Close `context` so that nothing its pages send reaches the live server after the test,
    during the database flush (SQLite then answers "table is locked", PostgreSQL refuses the
    flush): its pages' fetches are refused, an autosave already under way is let finish, and
    any other request is stopped."""
    from playwright.sync_api import Error

    with contextlib.suppress(Error):  # already closed by the test
        context.route("**/*", lambda route: route.abort())
        for page in context.pages:
            with contextlib.suppress(Error):  # a page gone, or still saving after 5 s
                page.evaluate("window.__testOver = true")
                page.wait_for_function(f"() => !document.querySelector({SAVING!r})", timeout=5_000)
        context.close()


def stored_comment(line):
    """The line's comment as the database has it. The tests' in-memory SQLite is shared with
    the live server, and says "table is locked" while the server writes: read again."""
    for _ in range(50):
        try:
            line.refresh_from_db()
            return line.comment
        except OperationalError:
            time.sleep(0.1)
    raise AssertionError("the database stayed locked")
