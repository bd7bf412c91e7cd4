"""A private, throwaway PostgreSQL server for the tests that stop and start one.

The shared server at 127.0.0.1:5432 serves every other test run on the machine, so the
outage and backup tests never touch it: they `initdb` a cluster of their own in a temporary
folder, on a free port, with trust authentication, and remove it afterwards. PostgreSQL
refuses to run as root, so as root (CI) its programs run as the `postgres` user.
"""

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bin_dir():
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    if not versions:
        raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    return versions[-1].parent


class PrivatePostgres:
    def __init__(self):
        self.bin = _bin_dir()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="kkrmaal-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        else:
            self._as = []

    def _run(self, program, *args):
        subprocess.run(
            [*self._as, str(self.bin / program), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def url(self, name):
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def init(self):
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        return self

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self):
        # "fast": what a crash or a restart does to the portal, open connections cut.
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self):
        self.stop()
        self.start()

    def createdb(self, name):
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def remove(self):
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
