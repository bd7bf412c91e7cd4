"""Real identity providers on loopback, started by the tests that need them (issue 24).

- `SamlIdP`: Debian's SimpleSAMLphp (`apt-get install simplesamlphp php-cli xmlsec1`, which
  `make install-test` does) served by `php -S 127.0.0.1:PORT` from its www/ folder, with a
  configuration of its own in a temporary folder: its example users (exampleauth:UserPass)
  carry a CVR number and roles, and the portal's service provider metadata is registered.
  The users and the portal's registration are PHP files read on every request, so a test
  can change what the provider vouches for between two logins.
- `OidcProvider`: the npm package `oidc-provider` (OpenID Certified), run by
  tests/oidc/provider.js with Node, its users and client from a JSON file.

A missing program is a failure in CI (CI=true) and a skip elsewhere, as for the deployment
test. Both speak only to 127.0.0.1 and are stopped at the end of the test module.
"""

import datetime
import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

SIMPLESAMLPHP = Path("/usr/share/simplesamlphp")
TESTS = Path(__file__).resolve().parent
OIDC_FOLDER = TESTS / "oidc"


def in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(message):
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, process, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} stopped: exit {process.returncode}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def key_and_certificate(folder, name, common_name):
    """A self-signed RSA certificate and its key as PEM files `name`.crt and `name`.key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def php_value(value):
    """A Python value as PHP source (strings, numbers, booleans, lists and dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(php_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "[" + ", ".join(f"{php_value(k)} => {php_value(v)}" for k, v in value.items()) + "]"
    raise TypeError(value)


def form_fields(page):
    """{name: value} of the hidden and text inputs of the first form on an HTML page, and
    the form's action."""
    action = re.search(r"<form[^>]*action=\"([^\"]*)\"", page)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r"name=\"([^\"]*)\"", tag)
        value = re.search(r"value=\"([^\"]*)\"", tag)
        if name:
            fields[html.unescape(name.group(1))] = html.unescape(value.group(1) if value else "")
    return (html.unescape(action.group(1)) if action else None), fields


# --- SAML: SimpleSAMLphp ----------------------------------------------------------------------


# The authentication context SimpleSAMLphp states for a user whose example attributes carry
# `mfa` (taken out of the attributes again): as the Context Handler states NSIS Substantial.
MFA_CONTEXT = "https://data.gov.dk/concept/core/nsis/loa/Substantial"
MFA_FILTER = (
    "if (isset($attributes['mfa'])) {"
    f" $state['saml:AuthnContextClassRef'] = '{MFA_CONTEXT}';"
    " unset($attributes['mfa']); }"
)


class SamlIdP:
    """SimpleSAMLphp as a SAML 2.0 identity provider on 127.0.0.1, with `users`
    ({username: {attribute: [values]}}, password "pw-" + username)."""

    def __init__(self, folder, sp_entity_id, sp_acs, sp_cert):
        for program in ("php", "xmlsec1"):
            if shutil.which(program) is None:
                missing(f"{program} is not installed (make install-test installs it)")
        if not (SIMPLESAMLPHP / "www" / "index.php").exists():
            missing("SimpleSAMLphp is not installed (apt-get install simplesamlphp)")
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.entity_id = f"{self.url}saml2/idp/metadata.php"
        self.sp_entity_id, self.sp_acs, self.sp_cert = sp_entity_id, sp_acs, sp_cert
        for name in ("config", "metadata", "cert", "log", "data", "tmp", "sessions"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        key_and_certificate(folder / "cert", "idp", "SimpleSAMLphp test IdP")
        self.users = {}
        self.sp_options = {}
        self._write_config()
        self.write_users({})
        self.register_sp()
        self.process = None

    def _write_config(self):
        config = {
            "baseurlpath": self.url,
            "certdir": f"{self.folder}/cert/",
            "loggingdir": f"{self.folder}/log/",
            "datadir": f"{self.folder}/data/",
            "tempdir": f"{self.folder}/tmp",
            "metadatadir": f"{self.folder}/metadata/",
            "technicalcontact_name": "Test",
            "technicalcontact_email": "test@example.dk",
            "timezone": "Europe/Copenhagen",
            "secretsalt": "kkrmaal-test-salt-not-secret",
            "auth.adminpassword": "kkrmaal-test-admin",
            "admin.protectindexpage": False,
            "admin.protectmetadata": False,
            "enable.saml20-idp": True,
            "module.enable": {"exampleauth": True, "core": True, "saml": True},
            "logging.handler": "file",
            "logging.logfile": "simplesamlphp.log",
            "store.type": "phpsession",
            "session.phpsession.savepath": f"{self.folder}/sessions",
            "session.cookie.secure": False,
            "metadata.sources": [{"type": "flatfile"}],
            "language.default": "en",
        }
        (self.folder / "config" / "config.php").write_text(
            f"<?php\n$config = {php_value(config)};\n"
            "$config['logging.level'] = SimpleSAML\\Logger::WARNING;\n"
        )
        hosted = {
            "host": "__DEFAULT__",
            "privatekey": "idp.key",
            "certificate": "idp.crt",
            "auth": "example-userpass",
            "signature.algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "attributes.NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
        }
        (self.folder / "metadata" / "saml20-idp-hosted.php").write_text(
            f"<?php\n$metadata['__DYNAMIC:1__'] = {php_value(hosted)};\n"
            "$metadata['__DYNAMIC:1__']['authproc'] = [\n"
            "  10 => ['class' => 'saml:AttributeNameID', 'attribute' => 'uid',"
            " 'Format' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],\n"
            f"  20 => ['class' => 'core:PHP', 'code' => {php_value(MFA_FILTER)}],\n"
            "];\n"
        )

    def write_users(self, users):
        """The example users: {username: {attribute: [values]}}; each gets `uid`."""
        self.users = users
        accounts = {
            f"{name}:pw-{name}": {"uid": [name], **attributes} for name, attributes in users.items()
        }
        sources = {
            "admin": ["core:AdminPassword"],
            "example-userpass": {0: "exampleauth:UserPass", **accounts},
        }
        (self.folder / "config" / "authsources.php").write_text(
            f"<?php\n$config = {php_value(sources)};\n"
        )

    def register_sp(self, **options):
        """The portal's registration at the provider (saml20-sp-remote), with `options` such
        as {"assertion.lifetime": 1}."""
        self.sp_options = options
        certificate = "".join(
            line
            for line in Path(self.sp_cert).read_text().splitlines()
            if not line.startswith("-----")
        )
        remote = {
            "AssertionConsumerService": [
                {
                    "Binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                    "Location": self.sp_acs,
                    "index": 0,
                }
            ],
            "certData": certificate,
            "validate.authnrequest": True,
            "assertion.encryption": True,
            "sign.logout": True,
            "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            **options,
        }
        (self.folder / "metadata" / "saml20-sp-remote.php").write_text(
            f"<?php\n$metadata[{php_value(self.sp_entity_id)}] = {php_value(remote)};\n"
        )

    def start(self):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "SIMPLESAMLPHP_CONFIG_DIR": str(self.folder / "config"),
        }
        self.process = subprocess.Popen(
            [
                "php",
                "-d",
                f"session.save_path={self.folder / 'sessions'}",
                "-S",
                f"127.0.0.1:{self.port}",
                "-t",
                str(SIMPLESAMLPHP / "www"),
            ],
            env=env,
            stdout=open(self.folder / "php.log", "wb"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self.url, self.process)
        return self

    def metadata(self):
        response = requests.get(self.entity_id, timeout=10)
        response.raise_for_status()
        assert b"EntityDescriptor" in response.content, response.text[:500]
        return response.content

    def stop(self):
        if self.process is not None:
            stop(self.process)

    def log(self):
        return (self.folder / "php.log").read_text(errors="replace")[-3000:]

    def log_in(self, redirect_url, username, password=None):
        """Follow the portal's redirect to the provider in a browser of its own (requests),
        log in as `username`, and return the form the provider would post back to the
        portal: (action, {"SAMLResponse": …, "RelayState": …})."""
        browser = requests.Session()
        page = browser.get(redirect_url, timeout=20)
        assert page.status_code == 200, f"{page.status_code}: {page.text[:800]}\n{self.log()}"
        action, fields = form_fields(page.text)
        assert "AuthState" in fields, page.text[:1500]
        fields.update(username=username, password=password or f"pw-{username}")
        answer = browser.post(urllib.parse.urljoin(page.url, action or ""), data=fields)
        action, fields = form_fields(answer.text)
        assert "SAMLResponse" in fields, f"{answer.text[:1500]}\n{self.log()}"
        return action, fields


# --- OIDC: oidc-provider on Node ---------------------------------------------------------------


class OidcProvider:
    """tests/oidc/provider.js on 127.0.0.1: an OpenID provider (the npm package oidc-provider)
    with one client and `users` ({username: claims}); its login form takes any password."""

    def __init__(self, folder, client_id, client_secret, redirect_uri):
        if shutil.which("node") is None:
            missing("node is not installed (Debian's nodejs)")
        if not (OIDC_FOLDER / "node_modules" / "oidc-provider").exists():
            missing(
                "oidc-provider is not installed: run `npm ci` in tests/oidc (make install-test)"
            )
        self.folder = folder
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client = {
            "client_id": client_id,
            "client_secret": client_secret,
            "redirect_uris": [redirect_uri],
        }
        self.users_file = folder / "oidc-users.json"
        self.write_users({})
        self.process = None

    def write_users(self, users):
        """{username: claims}; read by the provider at every login."""
        self.users_file.write_text(json.dumps(users))

    def start(self):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "OIDC_PORT": str(self.port),
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT": json.dumps(self.client),
            "OIDC_USERS_FILE": str(self.users_file),
            "NODE_ENV": "test",
        }
        self.process = subprocess.Popen(
            ["node", str(OIDC_FOLDER / "provider.js")],
            cwd=OIDC_FOLDER,
            env=env,
            stdout=open(self.folder / "oidc.log", "wb"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(f"{self.issuer}/.well-known/openid-configuration", self.process)
        return self

    def stop(self):
        if self.process is not None:
            stop(self.process)

    def log(self):
        return (self.folder / "oidc.log").read_text(errors="replace")[-3000:]

    def log_in(self, authorize_url, username, amr=None):
        """Follow the portal's redirect to the provider, log in as `username` (with `amr`
        the provider states), consent, and return the URL the provider sends the browser back
        to (the portal's callback with code and state)."""
        browser = requests.Session()
        page = browser.get(authorize_url, timeout=20, allow_redirects=True)
        assert page.status_code == 200, f"{page.status_code}: {page.text[:800]}\n{self.log()}"
        action, fields = form_fields(page.text)
        fields.update(login=username, password="any", amr=",".join(amr or ["pwd"]))
        answer = browser.post(
            urllib.parse.urljoin(page.url, action), data=fields, allow_redirects=False
        )
        for _step in range(10):
            location = urllib.parse.urljoin(answer.url, answer.headers.get("Location", ""))
            if answer.status_code in (302, 303) and location.startswith(self.issuer):
                answer = browser.get(location, allow_redirects=False)
            elif answer.status_code in (302, 303):
                return location
            elif answer.status_code == 200 and "<form" in answer.text:
                action, fields = form_fields(answer.text)
                answer = browser.post(
                    urllib.parse.urljoin(answer.url, action), data=fields, allow_redirects=False
                )
            else:
                raise AssertionError(f"{answer.status_code}: {answer.text[:800]}\n{self.log()}")
        raise AssertionError("the provider never sent the browser back")
