"""Closing a browser context without letting its pages talk to the live server afterwards."""

import contextlib


def close_quietly(context):
    """Close `context` with every request of its pages stopped first. The report form sends
    the draft as a page goes (a `keepalive` save on pagehide); closing the context is such a
    going, and that save would otherwise reach the live server after the test, during the
    database flush (SQLite then answers "table is locked", PostgreSQL refuses the flush)."""
    from playwright.sync_api import Error

    with contextlib.suppress(Error):  # already closed by the test
        context.route("**/*", lambda route: route.abort())
        context.close()
