"""The settings an operator sets in production pass Django's deployment checklist."""

import os
import subprocess
import sys

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
