"""Where ``SECRET_KEY`` comes from: the environment (``SECRET_KEY`` or ``SECRET_KEY_FILE``),
or, on a laptop, a random key made once and kept in ``var/secret_key``.

A fixed key in the code signed every default install's customer status links (and
sessions, password resets) with a value anyone can read on GitHub, so anyone could forge
them. Production settings never reach the file: they refuse to start without a key.
"""

import os
import secrets
from pathlib import Path

FILE_NAME = "secret_key"


def env_value(name: str, default=None):
    """Read ``name`` from the environment, or from the file that ``name_FILE`` points at."""
    file_name = os.environ.get(f"{name}_FILE", "")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.environ.get(name, default)


def local_secret_key(var_dir: Path) -> str:
    """The key in ``var_dir/secret_key``, made (mode 0600) if there is none yet.

    Two processes starting together (``honcho`` starts web and worker at once) may both find
    no file: each writes its own key to a private temporary file and links it into place,
    which only one can do; the other reads the winner's key, so they sign alike.
    """
    path = var_dir / FILE_NAME
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        tmp = var_dir / f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(50) + "\n")  # 67 characters
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process linked its key first: use that one
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()
