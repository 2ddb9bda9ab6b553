"""Signed, expiring sign-in sessions for local accounts, so reloading a page keeps the user in.

A session is a token the browser keeps in a cookie: the account name, when it expires, a random
session id and a fingerprint of the account's password hash, signed with HMAC-SHA256 under a key
kept beside the accounts file (``session.key``, created on first use, readable by its owner
only; ``$THIDUA_SESSION_KEY`` overrides it). A token is refused when its signature is wrong, it
has expired, it was ended by signing out (its id is in ``revoked.json`` until it would have
expired), its account is gone, or that account's password changed since it was issued.

No Streamlit here: the dashboard sets and reads the cookie; this module decides what it is worth.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
import time
from pathlib import Path

from lakehouse import accounts
from lakehouse.accounts import Account

COOKIE = "thidua_session"
LIFETIME = 12 * 3600          # seconds: a working day; then the user signs in again
ENV_KEY = "THIDUA_SESSION_KEY"
_LOCK = threading.Lock()


def _folder(users: str | os.PathLike | None) -> Path:
    return accounts.users_path(users).parent


def _key(users: str | os.PathLike | None = None) -> bytes:
    if os.environ.get(ENV_KEY):
        return os.environ[ENV_KEY].encode("utf-8")
    path = _folder(users) / "session.key"
    with _LOCK:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".session-")
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, path)     # first writer wins; a concurrent one reads the same key
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        return path.read_text().strip().encode("ascii")


def _fingerprint(account: Account) -> str:
    return hashlib.sha256(account.password_hash.encode("ascii")).hexdigest()[:16]


def _sign(body: bytes, key: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode("ascii").rstrip("=")


def issue(account: Account, users: str | os.PathLike | None = None, now: float | None = None) -> str:
    """A new session token for ``account``, valid for ``LIFETIME`` seconds."""
    now = time.time() if now is None else now
    claims = {"u": account.username, "exp": int(now + LIFETIME), "sid": secrets.token_urlsafe(12),
              "fp": _fingerprint(account)}
    body = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode("utf-8")).rstrip(b"=")
    return body.decode("ascii") + "." + _sign(body, _key(users))


def _claims(token: str, users: str | os.PathLike | None) -> dict | None:
    try:
        body, signature = token.encode("ascii").split(b".")
        if not hmac.compare_digest(_sign(body, _key(users)), signature.decode("ascii")):
            return None
        return json.loads(base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4)))
    except (ValueError, UnicodeError):
        return None


def verify(token: str | None, users: str | os.PathLike | None = None, now: float | None = None) -> Account | None:
    """The account a token still signs in, or None."""
    if not token:
        return None
    now = time.time() if now is None else now
    claims = _claims(token, users)
    if not claims or claims.get("exp", 0) <= now or claims.get("sid") in _revoked(users, now):
        return None
    account = accounts.load(users).get(claims.get("u", ""))
    if account is None or not hmac.compare_digest(_fingerprint(account), str(claims.get("fp", ""))):
        return None
    return account


def revoke(token: str | None, users: str | os.PathLike | None = None, now: float | None = None) -> None:
    """End a session (signing out): its token is refused from now on, even if a copy was kept."""
    claims = _claims(token, users) if token else None
    if not claims:
        return
    now = time.time() if now is None else now
    with _LOCK:
        revoked = _revoked(users, now)
        revoked[claims["sid"]] = claims["exp"]
        path = _folder(users) / "revoked.json"
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".revoked-")
        with os.fdopen(fd, "w") as fh:
            json.dump(revoked, fh)
        os.replace(tmp, path)


def _revoked(users: str | os.PathLike | None, now: float) -> dict[str, int]:
    """Ended sessions that have not expired yet (expired ones are dropped: they are refused anyway)."""
    path = _folder(users) / "revoked.json"
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return {sid: exp for sid, exp in data.items() if exp > now}
