"""What the portal's configured log handlers write, as an operator's collector gets it."""

import contextlib
import io
import json
import logging

# (logger, handler) as LOGGING in settings names them.
HANDLERS = [("", "console"), ("kkrmaal.audit", "audit")]


@contextlib.contextmanager
def captured_log_lines():
    """Points the console and audit handlers at buffers for the block, and yields a function
    returning every line they wrote, each parsed as one JSON object (a line that is not one
    fails the test)."""
    buffers, swapped = [], []
    for logger_name, handler_name in HANDLERS:
        for handler in logging.getLogger(logger_name).handlers:
            if handler.name == handler_name:
                buffers.append(io.StringIO())
                swapped.append((handler, handler.setStream(buffers[-1])))
    assert len(swapped) == len(HANDLERS), "LOGGING no longer has its console and audit handlers"
    try:
        yield lambda: [
            json.loads(line) for buffer in buffers for line in buffer.getvalue().splitlines()
        ]
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)
