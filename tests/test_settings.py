"""The settings an operator sets in production pass Django's deployment checklist; a value the
settings cannot read stops every command with one line naming it; PRODUCTION is the one switch
for the secure defaults."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION = {
    "SECRET_KEY": "k" * 20 + "a-long-random-production-secret-0123456789",
    "ALLOWED_HOSTS": "kkr.example.dk",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "DEBUG": "0",
}


def manage(*args, **env):
    # A clean environment, as on a server: nothing of the test run (e.g. the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE) leaks into what is checked.
    environment = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        check=False,
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_about_the_local_defaults():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def _cache_setting(**env):
    code = "from django.conf import settings; c = settings.CACHES['default']; "
    code += "print(c['BACKEND'], c['LOCATION'], c['KEY_PREFIX'])"
    result = manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split()


def test_the_public_pages_cache_in_redis_when_given_and_in_files_otherwise(tmp_path):
    backend, location, prefix = _cache_setting(REDIS_URL="redis://127.0.0.1:6379/3")
    assert backend.endswith("RedisCache") and location == "redis://127.0.0.1:6379/3"

    backend, location, prefix = _cache_setting(CACHE_DIR=str(tmp_path))
    assert backend.endswith("FileBasedCache") and location == str(tmp_path)

    # Two databases never share pages by accident.
    other = _cache_setting(DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}")[2]
    assert prefix != other


def shown(*names, **env):
    """The settings' values as a command run with this environment sees them."""
    code = "import json; from django.conf import settings as s; "
    code += f"print(json.dumps({{name: getattr(s, name) for name in {names!r}}}))"
    result = manage("shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_yes_no_value_it_cannot_read_stops_check_with_one_clear_line():
    result = manage("check", SECURE_SSL_REDIRECT="ture")

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "django.core.exceptions.ImproperlyConfigured: SECURE_SSL_REDIRECT=ture is not a yes/no "
        "value: use true/false, yes/no, on/off or 1/0"
    )
    assert "no issues" not in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PRODUCTION": "ja"}, "PRODUCTION=ja is not a yes/no value"),
        ({"EMAIL_PORT": "25x"}, "EMAIL_PORT=25x is not a whole number from 1 to 65535"),
        ({"SECURE_HSTS_SECONDS": "1y"}, "SECURE_HSTS_SECONDS=1y is not a whole number of 0 or"),
        ({"CONN_MAX_AGE": "-1"}, "CONN_MAX_AGE=-1 is not a whole number of 0 or more"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT=0 is not a whole number of 1 or"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT=xml is not a log format: use json or text"),
        (
            {"ALLOWED_HOSTS": "kkr.example.dk www.kkr.example.dk"},
            "'kkr.example.dk www.kkr.example.dk' holds a space; separate the values with commas",
        ),
        ({"PRODUCTION": "true"}, "PRODUCTION=true needs SECRET_KEY"),
        ({**PRODUCTION, "PRODUCTION": "1", "DEBUG": "1"}, "PRODUCTION and DEBUG are both on"),
    ],
)
def test_a_value_it_cannot_read_or_a_contradiction_stops_check(env, message):
    result = manage("check", **env)

    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert message in line


SECURE_DEFAULTS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "STORAGES",
]
KEY = {"SECRET_KEY": PRODUCTION["SECRET_KEY"], "ALLOWED_HOSTS": "kkr.example.dk"}


@pytest.mark.parametrize(
    "switch",
    [{"PRODUCTION": "true"}, {"DEBUG": "0"}],
    ids=["PRODUCTION=true", "derived from SECRET_KEY and DEBUG off"],
)
def test_production_turns_on_every_secure_default(switch):
    values = shown("PRODUCTION", *SECURE_DEFAULTS, **KEY, **switch)

    assert values.pop("STORAGES")["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert values == {
        "PRODUCTION": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_the_explicit_switch_passes_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "WARNING", PRODUCTION="yes", **KEY)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_off_keeps_the_local_defaults_even_with_a_secret_key():
    local = shown("PRODUCTION", *SECURE_DEFAULTS)
    switched_off = shown("PRODUCTION", *SECURE_DEFAULTS, PRODUCTION="false", DEBUG="0", **KEY)

    assert local == switched_off
    assert local.pop("STORAGES")["staticfiles"]["BACKEND"] == (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    assert local == {
        "PRODUCTION": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
    }


def test_every_spelling_of_yes_and_no_is_read_and_each_part_switches_on_its_own():
    # Locally, each HTTPS part can be switched on by itself...
    yes = shown(
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        SECURE_SSL_REDIRECT="TRUE",
        SESSION_COOKIE_SECURE=" yes ",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="On",
        SECURE_HSTS_PRELOAD="1",
    )
    assert set(yes.values()) == {True}, yes
    # ... and in production off, e.g. where the proxy redirects and sends HSTS itself.
    no = shown(
        "PRODUCTION",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        **KEY,
        DEBUG="no",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="No",
        SECURE_HSTS_PRELOAD="OFF",
        SESSION_COOKIE_SECURE="0",
    )
    assert no == {
        "PRODUCTION": True,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
    }


def test_an_empty_variable_counts_as_unset():
    values = shown(
        "ALLOWED_HOSTS",
        "EMAIL_PORT",
        "SECURE_SSL_REDIRECT",
        ALLOWED_HOSTS="",
        EMAIL_PORT="",
        SECURE_SSL_REDIRECT="",
    )
    assert values == {
        "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "[::1]"],
        "EMAIL_PORT": 25,
        "SECURE_SSL_REDIRECT": False,
    }
