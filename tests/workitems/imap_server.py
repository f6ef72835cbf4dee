"""A real IMAP server for the e-mail-in tests: Debian's dovecot-imapd, configured in a
temporary directory (127.0.0.1 on a free port, plaintext login, no TLS, one passwd-file
user, Maildir). Missing dovecot skips with the reason, except under ``CI=true`` where it
fails (``tests.services``)."""

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.services import _need

DOVECOT = os.environ.get("DOVECOT_PATH") or shutil.which("dovecot") or "/usr/sbin/dovecot"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = {uid}
first_valid_gid = {gid}
default_login_user = {login_user}
default_internal_user = {internal_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
  default_fields = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
"""


@dataclass
class ImapServer:
    host: str
    port: int
    username: str
    password: str
    root: Path

    def client(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.username, self.password)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        conn = self.client()
        try:
            typ, data = conn.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def unseen(self, folder: str = "INBOX") -> int:
        conn = self.client()
        try:
            conn.select(folder)
            _typ, data = conn.uid("SEARCH", None, "UNSEEN")
            return len((data[0] or b"").split())
        finally:
            conn.logout()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _accounts() -> tuple[str, str, int, int]:
    """Login user, internal user, mail uid and gid. Dovecot runs no login process and no
    mail process as root: as root, its Debian users; else the current user throughout."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.getuid()).pw_name
        return me, me, os.getuid(), os.getgid()
    try:
        pwd.getpwnam("dovenull")
        mail = pwd.getpwnam("dovecot")
    except KeyError:
        _need(False, "dovecot's users dovenull/dovecot are missing (apt-get install dovecot-imapd)")
    return "dovenull", "dovecot", mail.pw_uid, grp.getgrgid(mail.pw_gid).gr_gid


def start_imap_server():
    """Start dovecot; yields an :class:`ImapServer`, then stops it and removes its files."""
    _need(os.path.exists(DOVECOT), f"needs dovecot at {DOVECOT} (apt-get install dovecot-imapd)")
    login_user, internal_user, uid, gid = _accounts()
    root = Path(tempfile.mkdtemp(prefix="ccops-imap-"))
    root.chmod(0o755)  # the login and mail processes run as other users when we are root
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    for sub in ("mail", "home"):
        os.chown(root / sub, uid, gid)
    port = _free_port()
    (root / "users").write_text("cases:{PLAIN}secret::::::\n")
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            port=port,
            uid=uid,
            gid=gid,
            login_user=login_user,
            internal_user=internal_user,
        )
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    if sock.recv(64).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                _need(False, f"dovecot did not start: {process.stderr.read()!r} {log[-2000:]}")
            time.sleep(0.1)
        yield ImapServer("127.0.0.1", port, "cases", "secret", root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
