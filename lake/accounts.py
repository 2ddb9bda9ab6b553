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


class AccountError(ValueError):
    pass


@dataclass
class Account:
    username: str
    display_name: str
    role: str
    units: list[str] = field(default_factory=list)
    password_hash: str = ""

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


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise AccountError("mật khẩu cần ít nhất 8 ký tự")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def upsert(username: str, role: str, password: str | None, units: list[str], display_name: str | None = None,
           path: str | os.PathLike | None = None, known_units: set[str] | None = None) -> Account:
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
    account = Account(username, display_name or (old.display_name if old else username), role, sorted(set(units)),
                      hash_password(password) if password else old.password_hash)
    accounts[username] = account
    save(accounts, path)
    return account


def remove(username: str, path: str | os.PathLike | None = None) -> None:
    accounts = load(path)
    if username not in accounts:
        raise AccountError(f"không có tài khoản '{username}'")
    del accounts[username]
    save(accounts, path)


def authenticate(username: str, password: str, path: str | os.PathLike | None = None) -> Account | None:
    account = load(path).get(username.strip())
    if account is None or not account.password_hash:
        bcrypt.checkpw(b"x", bcrypt.hashpw(b"y", bcrypt.gensalt(4)))  # same cost whether or not the name exists
        return None
    if bcrypt.checkpw(password.encode("utf-8"), account.password_hash.encode("ascii")):
        return account
    return None
