"""A throwaway Dovecot IMAP server on loopback for the tests and the benchmark.

Debian's dovecot-imapd (`make mail-server`, or `.ci/run`, installs it); the server runs from a
configuration and mail store in a temporary folder, as the current user (or, as root, with the
package's own unprivileged users), plain IMAP on 127.0.0.1 on a free port, one user.
"""

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
USER = "support"
PASSWORD = "imap-secret"


def available() -> str:
    """ "" when Dovecot can run here, else why not."""
    if not Path(DOVECOT).exists():
        return "Dovecot is not installed (make mail-server installs Debian's dovecot-imapd)"
    return ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dovecot:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kaizen-dovecot-"))
        self.port = _free_port()
        self.config = self.root / "dovecot.conf"

    def _users(self) -> tuple[str, str, str]:
        """(internal user, login user, mail user:group ids) Dovecot runs its processes as."""
        me = pwd.getpwuid(os.getuid())
        if os.getuid() != 0:
            ids = f"uid={me.pw_uid} gid={me.pw_gid}"
            return me.pw_name, me.pw_name, ids
        mail_user = pwd.getpwnam("dovecot")
        shutil.chown(self.root / "mail", mail_user.pw_uid, mail_user.pw_gid)
        return "dovecot", "dovenull", f"uid={mail_user.pw_uid} gid={mail_user.pw_gid}"

    def start(self) -> "Dovecot":
        for folder in ("run", "state", "mail"):
            (self.root / folder).mkdir()
        os.chmod(self.root, 0o755)
        internal, login, ids = self._users()
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        self.config.write_text(
            f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{self.root}/mail/%u
mail_fsync = never
passdb {{
  driver = passwd-file
  args = {self.root}/passwd
}}
userdb {{
  driver = static
  args = {ids} home={self.root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
        )
        # The daemon keeps the streams it was given: a file, never a pipe we would wait on.
        with open(self.root / "start.log", "wb") as output:
            started = subprocess.run(
                [DOVECOT, "-c", str(self.config)], stdout=output, stderr=output
            )
        if started.returncode != 0:
            raise RuntimeError(f"Dovecot did not start: {(self.root / 'start.log').read_text()}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"Dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        subprocess.run(
            [DOVECOT, "-c", str(self.config), "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Put messages in the folder as a mail server would (IMAP APPEND)."""
        client = self.client()
        try:
            for raw in messages:
                status, data = client.append(folder, "", None, raw)
                assert status == "OK", data
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        """Each message's flags, in order."""
        client = self.client()
        try:
            _, exists = client.select(folder)
            if int(exists[0]) == 0:
                return []
            status, data = client.fetch("1:*", "(FLAGS)")
            return [item.decode().split("FLAGS (", 1)[1].rstrip(")") for item in data]
        finally:
            client.logout()
