"""The deployment files in deploy/, run as shipped.

Debian's nginx with deploy/nginx/kkrmaal.conf (only its paths and ports replaced, below) in
front of kkrmaal-web.service's own ExecStart= (gunicorn with deploy/gunicorn.conf.py), handed
its socket the way kkrmaal-web.socket does, in production mode behind the proxy
(`PRODUCTION=1`, `BEHIND_PROXY=1`, `PAPERS_ACCEL_REDIRECT=/protected-media/`), on a SQLite
database in a temporary folder that `deploy/kkrmaal-manage` migrated and gave a published
round with its stored PDF. Everything listens on 127.0.0.1 (ports chosen free) or in the
temporary folder, and is stopped again at the end of the module.

The systemd units pass `systemd-analyze verify`, which needs the programs in ExecStart= to
exist: the test uses copies with /srv/kkrmaal/venv and /srv/kkrmaal/app replaced by this
virtualenv and this checkout (the rest of the units as shipped).

Marked `deploy`. nginx comes from `make browser`, systemd-analyze and
systemd-socket-activate with Debian's systemd; in CI (CI=true) a missing one is a failure,
elsewhere a skip.
"""

import http.client
import json
import os
import re
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from goals.evidence import EVIDENCE_FILES_PER_REQUEST
from tests import deploy_helpers

pytestmark = pytest.mark.deploy

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV = Path(sys.prefix)
HOST = "kkr.example.dk"
HSTS = "max-age=31536000; includeSubDomains; preload"
MiB = 1024 * 1024


def in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def program(name):
    """The path of `name` (also in /usr/sbin, where Debian puts nginx); missing, a failure
    in CI and a skip elsewhere."""
    for folder in [*os.environ.get("PATH", "").split(os.pathsep), "/usr/sbin", "/sbin"]:
        path = Path(folder or ".") / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    message = f"{name} is not installed (make browser installs nginx; systemd has the others)"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def capture(args, **kwargs):
    return subprocess.run(args, check=False, capture_output=True, text=True, timeout=300, **kwargs)


def run(args, **kwargs):
    result = capture(args, **kwargs)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


# --- the stack: gunicorn and nginx in a temporary folder -------------------------------------


def nginx_site(tmp, ports):
    """deploy/nginx/kkrmaal.conf with the operator's paths pointing into `tmp` and its
    listen addresses on 127.0.0.1 (the IPv6 ones left out)."""
    text = (DEPLOY / "nginx" / "kkrmaal.conf").read_text()
    replacements = {
        "/run/kkrmaal/gunicorn.sock": str(tmp / "gunicorn.sock"),
        "/srv/kkrmaal/static/": f"{tmp / 'static'}/",
        "/srv/kkrmaal/media/": f"{tmp / 'media'}/",
        "/etc/ssl/kkrmaal/": f"{tmp / 'tls'}/",
        "/var/log/nginx/": f"{tmp / 'logs'}/",
        "/var/www/letsencrypt": str(tmp / "acme"),
    }
    for placeholder, value in replacements.items():
        assert placeholder in text, f"{placeholder} is no longer in kkrmaal.conf"
        text = text.replace(placeholder, value)
    text = re.sub(r"^\s*listen \[::\]:.*\n", "", text, flags=re.MULTILINE)
    text, http_listens = re.subn(r"listen 80\b", f"listen 127.0.0.1:{ports.http}", text)
    text, https_listens = re.subn(r"listen 443\b", f"listen 127.0.0.1:{ports.https}", text)
    assert http_listens == 2 and https_listens == 2, "kkrmaal.conf's listen lines changed"
    return text


def nginx_main(tmp):
    """The main configuration around it, as Debian's /etc/nginx/nginx.conf has it, with every
    file nginx writes in `tmp`."""
    # A root master would start its workers as `nobody`, who cannot enter pytest's folders.
    user = "user root;" if os.geteuid() == 0 else ""
    temp = tmp / "nginx-temp"
    return f"""
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/logs/error.log info;
events {{ worker_connections 64; }}
http {{
    sendfile on;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/logs/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {tmp}/kkrmaal.conf;
}}
"""


def environment(tmp):
    """The portal's environment, as /etc/kkrmaal/kkrmaal.env would give it: nothing of this
    process's own (no DATABASE_URL, CACHE_URL, bucket, broker)."""
    return {
        "PRODUCTION": "1",
        "SECRET_KEY": "deployment-test-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "SITE_URL": f"https://{HOST}",
        "BEHIND_PROXY": "1",
        "PAPERS_ACCEL_REDIRECT": "/protected-media/",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp / "media"),
        "STATIC_ROOT": str(tmp / "static"),
        "CACHE_DIR": str(tmp / "cache"),
    }


def clean_env(**extra):
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **extra}


def unit(name):
    """deploy/systemd/`name` with /srv/kkrmaal/venv and /srv/kkrmaal/app this virtualenv and
    this checkout, as an operator with another layout would change them."""
    text = (DEPLOY / "systemd" / name).read_text()
    return text.replace("/srv/kkrmaal/venv", str(VENV)).replace("/srv/kkrmaal/app", str(ROOT))


def unit_setting(name, key):
    return re.findall(rf"^{key}=(.*)$", unit(name), flags=re.MULTILINE)


def web_service(activate, socket_path, env):
    """kkrmaal-web.service's ExecStart= as it stands, with its Environment= and `env`, on a
    socket handed over the way kkrmaal-web.socket hands it (`activate`,
    systemd-socket-activate: the first connection starts the program with the listening
    socket as LISTEN_FDS)."""
    assert unit_setting("kkrmaal-web.socket", "ListenStream") == ["/run/kkrmaal/gunicorn.sock"]
    assert unit_setting("kkrmaal-web.service", "WorkingDirectory") == [str(ROOT)]
    [command] = unit_setting("kkrmaal-web.service", "ExecStart")
    env = {
        **dict(line.split("=", 1) for line in unit_setting("kkrmaal-web.service", "Environment")),
        **env,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    return [
        activate,
        f"--listen={socket_path}",
        *(f"--setenv={name}={value}" for name, value in env.items()),
        *shlex.split(command),
    ]


def manage(tmp, *args):
    """deploy/kkrmaal-manage with the temporary env file, this checkout and virtualenv."""
    env = clean_env(KKRMAAL_ENV_FILE=str(tmp / "kkrmaal.env"), KKRMAAL_APP=str(ROOT))
    env["KKRMAAL_VENV"] = str(VENV)
    return run([str(DEPLOY / "kkrmaal-manage"), *args], env=env)


def start(request, args, log, **kwargs):
    """A process in its own session, its output in `log`, stopped with its workers (the whole
    session) when the module is done."""
    output = log.open("w")
    process = subprocess.Popen(
        args, stdout=output, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
    )

    def stop():
        try:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)
        except ProcessLookupError:
            pass
        finally:
            output.close()

    request.addfinalizer(stop)
    return process


def wait_for(ready, process, log, what):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{what} did not come up:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, request):
    nginx = program("nginx")
    activate = program("systemd-socket-activate")
    program("openssl")
    # Short: a unix socket's path has at most 107 bytes.
    tmp = tmp_path_factory.mktemp("deploy")
    for folder in ("logs", "tls", "acme", "nginx-temp", "media", "static"):
        (tmp / folder).mkdir()
    ports = SimpleNamespace(http=free_port(), https=free_port())

    # A self-signed certificate for the host name (RSA, so that the cipher test below means
    # something: an RSA key could also do the key exchanges without forward secrecy).
    run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}"]
        + ["-keyout", str(tmp / "tls" / "privkey.pem"), "-out", str(tmp / "tls" / "fullchain.pem")]
    )

    env = environment(tmp)
    (tmp / "kkrmaal.env").write_text("".join(f"{name}={value}\n" for name, value in env.items()))
    manage(tmp, "migrate", "--verbosity", "0")
    out = manage(
        tmp, "shell", "-c", "from tests.deploy_helpers import publish_a_round; publish_a_round()"
    )
    paper = json.loads(out.strip().splitlines()[-1])["name"]
    # The portal's own static files only: a full collectstatic compresses 50 MB of admin,
    # Swagger and fonts (minutes here); the pages of this test link none of them.
    manage(
        tmp,
        "collectstatic",
        "--noinput",
        "--verbosity",
        "0",
        *["-i", "admin", "-i", "rest_framework", "-i", "drf_spectacular_sidecar", "-i", "fonts"],
    )

    gunicorn_log = tmp / "logs" / "gunicorn.log"
    gunicorn = start(
        request,
        web_service(activate, tmp / "gunicorn.sock", {**env, "WEB_CONCURRENCY": "1"}),
        gunicorn_log,
        cwd=ROOT,
        env=clean_env(),
    )
    stack = SimpleNamespace(
        tmp=tmp, ports=ports, paper=paper, gunicorn=gunicorn, gunicorn_log=gunicorn_log
    )
    # The first connection starts gunicorn, as systemd's socket does.
    wait_for(
        lambda: to_gunicorn(stack, "/healthz/ready").status == 200,
        gunicorn,
        gunicorn_log,
        "gunicorn",
    )

    (tmp / "kkrmaal.conf").write_text(nginx_site(tmp, ports))
    (tmp / "nginx.conf").write_text(nginx_main(tmp))
    nginx_log = tmp / "logs" / "nginx.out"
    nginx_process = start(
        request,
        [nginx, "-p", f"{tmp}/", "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "logs/error.log")]
        + ["-g", "daemon off;"],
        nginx_log,
    )

    def listening():
        for port in (ports.http, ports.https):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True

    wait_for(listening, nginx_process, nginx_log, "nginx")
    return stack


# --- talking to it ----------------------------------------------------------------------------


class Answer(SimpleNamespace):
    def all(self, name):
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def one(self, name):
        values = self.all(name)
        assert len(values) == 1, f"{name}: {values}"
        return values[0]


def _answer(connection, method, path, headers, body):
    try:
        connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        response = connection.getresponse()
        return Answer(status=response.status, headers=response.getheaders(), body=response.read())
    finally:
        connection.close()


class _LoopbackHTTPS(http.client.HTTPSConnection):
    """HTTPS to nginx on 127.0.0.1 for `host` (SNI and certificate check), no DNS."""

    def __init__(self, stack, host=HOST, context=None):
        self.tls = context or tls_context(stack)
        super().__init__(host, stack.ports.https, context=self.tls, timeout=30)

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def tls_context(stack, **options):
    context = ssl.create_default_context(cafile=stack.tmp / "tls" / "fullchain.pem")
    for name, value in options.items():
        setattr(context, name, value)
    return context


def https(stack, path, method="GET", headers=None, body=None, host=HOST, context=None):
    return _answer(_LoopbackHTTPS(stack, host, context), method, path, headers, body)


def plain_http(stack, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", stack.ports.http, timeout=30)
    return _answer(connection, "GET", path, headers, None)


class _UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(str(self.socket_path))


def to_gunicorn(stack, path):
    """Straight to gunicorn's socket, as nginx would ask (https, from 127.0.0.1)."""
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}
    return _answer(_UnixHTTP(stack.tmp / "gunicorn.sock"), "GET", path, headers, None)


def gunicorn_saw(stack, request_id, wait=5.0):
    """Whether gunicorn's access log has a line of the request nginx numbered `request_id`
    (gunicorn writes it just after answering: given a moment)."""
    deadline = time.monotonic() + wait
    while True:
        for line in stack.gunicorn_log.read_text().splitlines():
            if f"request_id={request_id}" in line:
                return line
        if time.monotonic() > deadline:
            return None
        time.sleep(0.1)


# --- the tests --------------------------------------------------------------------------------


def test_http_is_redirected_to_https(stack):
    answer = plain_http(stack, "/rapporter/hovedstaden/2018/?sprog=da")

    assert answer.status == 301
    assert answer.one("Location") == f"https://{HOST}/rapporter/hovedstaden/2018/?sprog=da"
    assert answer.all("Strict-Transport-Security") == []


def test_another_host_name_gets_no_answer(stack):
    with pytest.raises(http.client.RemoteDisconnected):
        plain_http(stack, "/", headers={"Host": "203.0.113.9"})
    with pytest.raises(ssl.SSLError):
        https(stack, "/", host="other.example.dk", context=tls_context(stack, check_hostname=False))


def test_a_page_comes_from_django_over_https_with_one_hsts_header(stack):
    answer = https(
        stack, "/", headers={"X-Request-ID": "made-up-by-the-client", "X-Forwarded-For": "1.2.3.4"}
    )

    # Django took nginx's X-Forwarded-Proto: a page, not a redirect to https again.
    assert answer.status == 200, answer.body[:500]
    assert b"<html" in answer.body
    assert answer.one("Strict-Transport-Security") == HSTS
    request_id = answer.one("X-Request-ID")
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    # gunicorn got nginx's id, not the client's, and the client's address appended last to
    # X-Forwarded-For: the one BEHIND_PROXY trusts.
    line = gunicorn_saw(stack, request_id)
    assert line is not None, stack.gunicorn_log.read_text()[-2000:]
    assert line.startswith("1.2.3.4, 127.0.0.1 ")
    assert "made-up-by-the-client" not in stack.gunicorn_log.read_text()


def test_a_stored_pdf_is_sent_by_nginx_after_django_said_which(stack):
    url = f"/rapporter/{deploy_helpers.REGION}/{deploy_helpers.YEAR}/statuspapir.pdf"

    # gunicorn's own answer carries no file, only the header naming it.
    direct = to_gunicorn(stack, url)
    assert direct.status == 200
    assert direct.body == b""
    assert direct.one("X-Accel-Redirect") == "/protected-media/" + stack.paper

    answer = https(stack, url)
    assert answer.status == 200
    assert answer.body == deploy_helpers.PDF
    assert answer.body == (stack.tmp / "media" / stack.paper).read_bytes()
    assert answer.one("Content-Type") == "application/pdf"
    assert 'filename="KKR-Hovedstaden-status-2018.pdf"' in answer.one("Content-Disposition")
    assert answer.one("Cache-Control") == "public, no-cache"
    assert answer.all("X-Accel-Redirect") == []
    assert answer.one("Strict-Transport-Security") == HSTS
    assert answer.one("X-Content-Type-Options") == "nosniff"


def test_the_media_folder_is_not_served_from_outside(stack):
    for path in ("/protected-media/" + stack.paper, "/media/" + stack.paper):
        answer = https(stack, path)
        assert answer.status == 404, path
        assert deploy_helpers.PDF not in answer.body


def client_max_body_size():
    found = re.findall(
        r"^\s*client_max_body_size\s+(\d+)([km]?);",
        (DEPLOY / "nginx" / "kkrmaal.conf").read_text(),
        flags=re.MULTILINE,
    )
    assert len(found) == 1
    number, unit = found[0]
    return int(number) * {"": 1, "k": 1024, "m": MiB}[unit]


def test_the_body_limit_is_the_largest_upload_the_portal_takes():
    largest = (
        settings.EVIDENCE_MAX_BYTES * EVIDENCE_FILES_PER_REQUEST
        + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )

    # Room for the multipart framing, but not another file.
    assert largest < client_max_body_size() <= largest + MiB


def test_a_body_over_the_limit_gets_413_from_nginx(stack):
    limit = client_max_body_size()
    connection = _LoopbackHTTPS(stack)
    # Only the head: nginx answers on the declared length, before a byte of the body.
    connection.putrequest("POST", "/indberetning/", skip_host=True)
    connection.putheader("Host", HOST)
    connection.putheader("Content-Type", "application/octet-stream")
    connection.putheader("Content-Length", str(limit + 1))
    connection.endheaders()
    try:
        response = connection.getresponse()
        too_large = Answer(status=response.status, headers=response.getheaders(), body=b"")
    finally:
        connection.close()

    assert too_large.status == 413
    assert too_large.one("Strict-Transport-Security") == HSTS
    assert gunicorn_saw(stack, too_large.one("X-Request-ID"), wait=0.5) is None

    # A body of exactly the limit goes through to Django (which refuses it, having no CSRF
    # token: anything but nginx's 413).
    at_limit = https(
        stack,
        "/indberetning/",
        method="POST",
        headers={"Content-Type": "application/octet-stream"},
        body=b"\0" * limit,
    )
    assert at_limit.status != 413
    assert gunicorn_saw(stack, at_limit.one("X-Request-ID")) is not None


def test_static_files_are_sent_by_nginx_with_long_cache_headers(stack):
    manifest = json.loads((stack.tmp / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["css/site.css"]
    assert hashed != "css/site.css"

    answer = https(stack, f"/static/{hashed}")
    assert answer.status == 200
    assert answer.body == (stack.tmp / "static" / hashed).read_bytes()
    assert answer.one("Content-Type").startswith("text/css")
    assert answer.one("Cache-Control") == "public, max-age=31536000, immutable"
    assert answer.one("Strict-Transport-Security") == HSTS
    assert answer.one("X-Content-Type-Options") == "nosniff"
    assert gunicorn_saw(stack, answer.one("X-Request-ID"), wait=0.5) is None

    # WhiteNoise's compressed copy, for a client that takes it.
    gzipped = https(stack, f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})
    assert gzipped.one("Content-Encoding") == "gzip"
    assert gzipped.body == (stack.tmp / "static" / f"{hashed}.gz").read_bytes()
    assert "Accept-Encoding" in gzipped.one("Vary")

    # The unhashed original may change with a release: a minute only.
    unhashed = https(stack, "/static/css/site.css")
    assert unhashed.status == 200
    assert unhashed.one("Cache-Control") == "public, max-age=60"


def test_tls_refuses_a_key_exchange_without_forward_secrecy(stack):
    assert https(stack, "/healthz/ready").status == 200

    context = tls_context(stack, maximum_version=ssl.TLSVersion.TLSv1_2)
    context.set_ciphers("AES128-GCM-SHA256:AES256-GCM-SHA384")  # RSA key exchange
    with pytest.raises(ssl.SSLError):
        https(stack, "/healthz/ready", context=context)


def test_the_site_fits_into_debians_own_nginx_conf(stack):
    """As installed: in sites-enabled, inside /etc/nginx/nginx.conf's http block and beside
    its settings (no directive twice), only the files it writes moved to the test's folder."""
    nginx = program("nginx")
    debian = Path("/etc/nginx/nginx.conf")
    if not debian.exists():
        pytest.skip("no /etc/nginx/nginx.conf")
    text = debian.read_text()
    assert "include /etc/nginx/sites-enabled/*;" in text
    text = text.replace("include /etc/nginx/sites-enabled/*;", f"include {stack.tmp}/kkrmaal.conf;")
    text = re.sub(r"(?m)^pid .*;", f"pid {stack.tmp}/debian.pid;", text)
    text = text.replace("/var/log/nginx/", f"{stack.tmp}/logs/")
    if os.geteuid() != 0:
        text = re.sub(r"(?m)^user .*;", "", text)  # only root may switch users: a warning
    (stack.tmp / "debian-nginx.conf").write_text(text)

    result = capture(
        [nginx, "-t", "-p", f"{stack.tmp}/", "-c", str(stack.tmp / "debian-nginx.conf")]
        + ["-e", str(stack.tmp / "logs" / "debian-error.log")]
    )

    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr and "[emerg]" not in result.stderr, result.stderr


def test_a_reload_starts_new_workers_and_the_portal_keeps_answering(stack):
    """`systemctl reload kkrmaal-web` (ExecReload: HUP to gunicorn's master)."""

    def workers_booted():
        return stack.gunicorn_log.read_text().count("Booting worker with pid")

    before = workers_booted()
    os.kill(stack.gunicorn.pid, signal.SIGHUP)
    deadline = time.monotonic() + 30
    while workers_booted() == before and time.monotonic() < deadline:
        time.sleep(0.1)

    assert workers_booted() == before + 1, stack.gunicorn_log.read_text()[-2000:]
    assert https(stack, "/healthz/ready").status == 200
    assert stack.gunicorn.poll() is None


# --- systemd and the environment file ------------------------------------------------------


UNITS = ["kkrmaal-web.socket", "kkrmaal-web.service", "kkrmaal-worker.service"]
UNITS += ["kkrmaal-scheduler.service"]


@pytest.fixture
def units(tmp_path):
    """The units with the paths of this checkout and virtualenv (systemd-analyze verify
    wants ExecStart='s program to exist)."""
    for name in UNITS:
        (tmp_path / name).write_text(unit(name))
    return tmp_path


def test_the_systemd_units_pass_verify(units):
    analyze = program("systemd-analyze")
    assert sorted(path.name for path in (DEPLOY / "systemd").iterdir()) == sorted(UNITS)

    result = capture([analyze, "verify", *(str(units / name) for name in UNITS)])

    # verify also only warns (unknown keys, wrong sections): nothing at all is clean.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_services_are_hardened(units):
    analyze = program("systemd-analyze")
    for name in UNITS:
        if name.endswith(".service"):
            # systemd's exposure score, 0 (locked down) to 10, times ten: ours are 1.7,
            # which it calls OK.
            result = capture(
                [analyze, "security", "--offline=yes", "--threshold=20", str(units / name)]
            )
            assert result.returncode == 0, result.stdout[-1500:] + result.stderr


def variables_read(path, pattern):
    return set(re.findall(pattern, path.read_text()))


def test_the_env_example_names_every_setting():
    read_by_settings = variables_read(
        ROOT / "kkrmaal" / "settings.py",
        r"(?:os\.environ\.get|os\.environ\[|env_bool|env_int|env_list)\(?\s*\"([A-Z][A-Z0-9_]*)\"",
    )
    read_by_gunicorn_conf = variables_read(
        DEPLOY / "gunicorn.conf.py", r"os\.environ\.get\(\s*\"([A-Z][A-Z0-9_]*)\""
    )
    # Read by libraries: dj-database-url, boto3, gunicorn.
    read_elsewhere = {"DATABASE_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    read_elsewhere |= {"FORWARDED_ALLOW_IPS"}
    example = DEPLOY / "kkrmaal.env.example"
    named = variables_read(example, r"(?m)^#? ?([A-Z][A-Z0-9_]*)=")

    assert {"SECRET_KEY", "DEBUG", "CACHE_URL", "EMAIL_BACKEND"} <= read_by_settings
    assert read_by_settings - named == set()
    assert named - read_by_settings - read_by_gunicorn_conf - read_elsewhere == set()
    # The operator's file fails loudly until the key is set: PRODUCTION=1, empty SECRET_KEY.
    sourced = run(["sh", "-c", 'set -a; . "$0"; set +a; env', str(example)], env=clean_env())
    assert "PRODUCTION=1\n" in sourced and "\nSECRET_KEY=\n" in sourced
    assert "DEFAULT_FROM_EMAIL=KKR-mål <noreply@kkr.example.dk>\n" in sourced
