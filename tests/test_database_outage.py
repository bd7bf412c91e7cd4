"""PostgreSQL goes away and comes back: pages answer 503 with a friendly Danish page (no
traceback) while it is down, and the portal heals by itself when it is back.

The real thing: a private PostgreSQL server (tests/pg_private.py), the portal migrated into
it and served by gunicorn with production-like settings (kept connections), the server
stopped and started under it. The quick in-process tests below check the page itself.
"""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db import connection

from tests.pg_private import PrivatePostgres
from tests.pg_private import free_port

DANISH = "Portalen er midlertidigt utilgængelig"


def get(url):
    """(status, body, headers) of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers


@pytest.fixture
def postgres():
    server = PrivatePostgres().init()
    yield server
    server.remove()


@pytest.fixture
def portal(postgres, tmp_path):
    """The portal on gunicorn against the private server; yields its base URL."""
    postgres.createdb("kkrmaal")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": postgres.url("kkrmaal"),
        "CONN_MAX_AGE": "600",  # connections are kept: the case that must heal
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DEBUG": "0",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "kkrmaal.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--threads", "1", "--timeout", "60"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if get(base + "/healthz/ready")[0] == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail((tmp_path / "gunicorn.log").read_text())
    yield base
    server.terminate()
    server.wait(timeout=30)
    log.close()
    output = (tmp_path / "gunicorn.log").read_text()
    assert "Traceback" not in output, output


def test_a_database_outage_shows_a_friendly_page_and_heals_by_itself(postgres, portal):
    status, body, _ = get(portal + "/")
    assert status == 200

    postgres.stop()

    # A public page already cached (reports/cache.py) is still served: it needs no database.
    assert get(portal + "/")[0] == 200
    # A page that must read the database answers with the friendly page.
    status, body, headers = get(portal + "/hovedstaden/")
    assert status == 503
    assert DANISH in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert headers["Retry-After"] == "30"
    status, body, _ = get(portal + "/en/hovedstaden/")
    assert status == 503 and "temporarily unavailable" in body
    status, body, _ = get(portal + "/healthz/ready")
    assert status == 503
    assert '"database": {"status": "error"' in body

    postgres.start()

    # Nobody restarts the portal: the next request simply works again (the API reads the
    # database on every request; this database has no regions loaded).
    status, body, _ = get(portal + "/api/v1/regions/")
    assert status == 200 and '"count":0' in body.replace(" ", "")
    assert get(portal + "/healthz/ready")[0] == 200


def test_a_restart_nobody_noticed_does_not_break_the_next_request(postgres, portal):
    assert get(portal + "/healthz/ready")[0] == 200  # the worker now keeps a connection

    postgres.restart()  # that connection is dead, and no request saw the outage

    # The kept connection is checked before it is reused (CONN_HEALTH_CHECKS).
    assert get(portal + "/healthz/ready")[0] == 200


# The page itself, in process ----------------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)


@pytest.mark.django_db
def test_pages_answer_503_in_danish_without_a_traceback(client, database_down):
    response = client.get("/")

    assert response.status_code == 503
    text = response.content.decode()
    assert DANISH in text and "Prøv igen om lidt" in text
    assert "Traceback" not in text and "could not connect" not in text
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_logged_in_page_answers_503_too(client, database_down, settings):
    # The session and the user are read from the database: that fails first.
    client.cookies["sessionid"] = "x" * 32

    response = client.get("/indberetning/")

    assert response.status_code == 503
    assert DANISH in response.content.decode()


@pytest.mark.django_db
def test_an_outage_outside_a_view_gets_the_same_page(client, database_down, settings):
    # Failures in a middleware (saving the session, say) skip the views' exception handling
    # and reach handler500; take the outage middleware away to get there from any page.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "DatabaseOutage" not in m]
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 503
    assert DANISH in response.content.decode()
