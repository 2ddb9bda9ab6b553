"""Local accounts and roles (no Streamlit here, so the command line can manage them too).

Used when no OpenID Connect provider is configured in ``.streamlit/secrets.toml``. Accounts
live in a JSON file outside git (``$THIDUA_USERS``, default ``.thidua/users.json``) with
bcrypt-hashed passwords; ``python -m jobs users …`` manages them. With OIDC, the same file
maps an e-mail address to a role and units (``username`` = the e-mail).

Roles: ``leadership`` reads everything and changes nothing; ``steward`` also uploads, only
for the units assigned to them; ``admin`` does everything, for every unit.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import bcrypt

ENV_USERS = "THIDUA_USERS"
DEFAULT_PATH = Path(".thidua") / "users.json"
ROLES = {"leadership": "Lãnh đạo", "steward": "Cán bộ tổng hợp", "admin": "Quản trị"}


# The demo's accounts (``python -m jobs demo``); their passwords are in the README, so the
# dashboard warns an admin while any of them still signs in with it.
DEMO_ACCOUNTS = [
    ("lanhdao", "leadership", "lanhdao2024", "Lãnh đạo UBND (mẫu)", []),
    ("canbo", "steward", "canbo2024", "Cán bộ tổng hợp (mẫu)",
     ["178-PVHTT", "178-PTCKH", "05971", "05974", "05977", "05980", "05983", "05986", "05989", "05992"]),
    ("quantri", "admin", "quantri2024", "Quản trị hệ thống (mẫu)", []),
]


class AccountError(ValueError):
    pass


@dataclass
class Account:
    username: str
    display_name: str
    role: str
    units: list[str] = field(default_factory=list)
    password_hash: str = ""
    email: str = ""   # where the weekly digest goes (``python -m jobs digest --send``)

    @property
    def address(self) -> str | None:
        """The account's e-mail address: its own, or its name when that is one (OIDC accounts)."""
        return self.email or (self.username if "@" in self.username else None)

    @property
    def role_vi(self) -> str:
        return ROLES[self.role]

    def can_upload(self) -> bool:
        return self.role in ("steward", "admin")

    def may_report_for(self, unit_code: str) -> bool:
        return self.role == "admin" or (self.role == "steward" and unit_code in self.units)

    def allowed_units(self) -> set[str] | None:
        """Units this account may upload for; ``None`` means every unit."""
        if self.role == "admin":
            return None
        return set(self.units) if self.role == "steward" else set()


def users_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get(ENV_USERS) or DEFAULT_PATH)


def load(path: str | os.PathLike | None = None) -> dict[str, Account]:
    p = users_path(path)
    if not p.exists():
        return {}
    data = json.loads(p.read_text(encoding="utf-8"))
    return {u["username"]: Account(**u) for u in data.get("users", [])}


def save(accounts: dict[str, Account], path: str | os.PathLike | None = None) -> Path:
    p = users_path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({"users": [asdict(a) for a in sorted(accounts.values(), key=lambda a: a.username)]},
                         ensure_ascii=False, indent=2)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".users-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(payload)
    os.chmod(tmp, 0o600)
    os.replace(tmp, p)
    return p


MAX_PASSWORD_BYTES = 72   # bcrypt reads no further


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise AccountError("mật khẩu cần ít nhất 8 ký tự")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise AccountError(f"mật khẩu dài quá {MAX_PASSWORD_BYTES} byte (chữ có dấu tính 2–3 byte); hãy chọn mật khẩu ngắn hơn")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def upsert(username: str, role: str, password: str | None, units: list[str], display_name: str | None = None,
           path: str | os.PathLike | None = None, known_units: set[str] | None = None,
           email: str | None = None) -> Account:
    if role not in ROLES:
        raise AccountError(f"vai trò '{role}' không có; dùng: {', '.join(ROLES)}")
    if known_units is not None:
        unknown = [u for u in units if u not in known_units]
        if unknown:
            raise AccountError(f"đơn vị không có trong danh mục: {', '.join(unknown)}")
    if role == "steward" and not units:
        raise AccountError("cán bộ tổng hợp cần được giao ít nhất một đơn vị (--unit)")
    accounts = load(path)
    old = accounts.get(username)
    if old is None and not password:
        raise AccountError("tài khoản mới cần mật khẩu")
    if email and ("@" not in email or any(c.isspace() for c in email)):
        raise AccountError(f"địa chỉ thư '{email}' không hợp lệ")
    account = Account(username, display_name or (old.display_name if old else username), role, sorted(set(units)),
                      hash_password(password) if password else old.password_hash,
                      email if email is not None else (old.email if old else ""))
    accounts[username] = account
    save(accounts, path)
    return account


def remove(username: str, path: str | os.PathLike | None = None) -> None:
    accounts = load(path)
    if username not in accounts:
        raise AccountError(f"không có tài khoản '{username}'")
    del accounts[username]
    save(accounts, path)


_DUMMY: list[bytes] = []


def _dummy_hash() -> bytes:
    """A hash of the same cost as real ones, so an unknown name takes as long as a wrong password."""
    if not _DUMMY:
        _DUMMY.append(bcrypt.hashpw(b"not a password", bcrypt.gensalt()))
    return _DUMMY[0]


def authenticate(username: str, password: str, path: str | os.PathLike | None = None) -> Account | None:
    """The account whose name and password these are, or None; the same work whether the name
    exists or not, and never an exception for a password bcrypt cannot take (over 72 bytes)."""
    secret = password.encode("utf-8")
    account = load(path).get(username.strip())
    stored = account.password_hash.encode("ascii") if account is not None and account.password_hash else None
    ok = bcrypt.checkpw(secret[:MAX_PASSWORD_BYTES], stored or _dummy_hash())
    if stored is None or len(secret) > MAX_PASSWORD_BYTES or not ok:
        return None
    return account


class Throttle:
    """Repeated failed sign-ins lock the account and the client out for a while, and are logged.

    ``LIMIT`` failures within ``WINDOW`` seconds, per account name and per client address,
    lock that key for ``LOCKOUT`` seconds; a success clears the account's count."""

    LIMIT, WINDOW, LOCKOUT = 5, 15 * 60, 15 * 60

    def __init__(self):
        import threading

        self._failures: dict[str, list[float]] = {}
        self._locked: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked_for(self, *keys: str, now: float | None = None) -> float:
        import time

        now = time.time() if now is None else now
        with self._lock:
            return max([self._locked.get(k, 0) - now for k in keys] + [0.0])

    def failed(self, *keys: str, now: float | None = None) -> None:
        import logging
        import time

        now = time.time() if now is None else now
        with self._lock:
            for key in keys:
                recent = [t for t in self._failures.get(key, []) if now - t < self.WINDOW] + [now]
                self._failures[key] = recent
                if len(recent) >= self.LIMIT:
                    self._locked[key] = now + self.LOCKOUT
                    self._failures[key] = []
        logging.getLogger("thidua").warning("failed sign-in: %s", ", ".join(keys))

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


THROTTLE = Throttle()


def sign_in(username: str, password: str, client: str, path: str | os.PathLike | None = None,
            throttle: Throttle = THROTTLE) -> tuple[Account | None, str | None]:
    """(account, None) or (None, the Vietnamese reason): a wrong name or password, or a lockout."""
    keys = (f"account:{username.strip().lower()}", f"client:{client}")
    wait = throttle.locked_for(*keys)
    if wait > 0:
        return None, (f"Đăng nhập sai quá nhiều lần; hãy thử lại sau {int(wait // 60) + 1} phút hoặc liên hệ "
                      "quản trị viên.")
    account = authenticate(username, password, path)
    if account is None:
        throttle.failed(*keys)
        return None, "Tên đăng nhập hoặc mật khẩu không đúng."
    throttle.succeeded(keys[0])
    return account, None


def demo_passwords_in_use(path: str | os.PathLike | None = None) -> list[str]:
    """The demo accounts that still sign in with the password the README prints."""
    known = load(path)
    return [name for name, _, password, _, _ in DEMO_ACCOUNTS
            if name in known and known[name].password_hash
            and bcrypt.checkpw(password.encode("utf-8"), known[name].password_hash.encode("ascii"))]
