"""Sign-in sessions: a token signs its account in until it expires, is revoked, or the account
changes its password or disappears; a forged or altered token signs nobody in."""
import json
import stat

import pytest

from lakehouse import accounts, sessions


@pytest.fixture
def users(tmp_path, monkeypatch):
    monkeypatch.delenv(sessions.ENV_KEY, raising=False)
    path = tmp_path / "users.json"
    accounts.upsert("lanhdao", "leadership", "mat-khau-1", [], path=path)
    return path


def test_a_token_signs_its_account_in_until_it_expires(users):
    token = sessions.issue(accounts.load(users)["lanhdao"], users, now=1000)
    assert sessions.verify(token, users, now=1001).username == "lanhdao"
    assert sessions.verify(token, users, now=1000 + sessions.LIFETIME) is None
    key = users.parent / "session.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_a_forged_or_altered_token_signs_nobody_in(users, tmp_path):
    token = sessions.issue(accounts.load(users)["lanhdao"], users)
    body, signature = token.split(".")
    claims = json.loads(sessions.base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["exp"] += 10 ** 6
    longer = sessions.base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    for bad in (longer + "." + signature, body + "." + signature[:-2] + "AA", "rác", "a.b.c", "", None):
        assert sessions.verify(bad, users) is None
    # Signed under another installation's key: refused here.
    other = tmp_path / "other" / "users.json"
    other.parent.mkdir()
    other.write_text(users.read_text())
    assert sessions.verify(sessions.issue(accounts.load(other)["lanhdao"], other), users) is None


def test_signing_out_ends_the_session_even_for_a_kept_copy(users):
    token = sessions.issue(accounts.load(users)["lanhdao"], users)
    second = sessions.issue(accounts.load(users)["lanhdao"], users)
    sessions.revoke(token, users)
    assert sessions.verify(token, users) is None
    assert sessions.verify(second, users) is not None     # another device stays signed in
    sessions.revoke("not a token", users)                  # nothing to end: no error


def test_a_changed_password_or_a_removed_account_ends_its_sessions(users):
    token = sessions.issue(accounts.load(users)["lanhdao"], users)
    accounts.upsert("lanhdao", "leadership", "mat-khau-2", [], path=users)
    assert sessions.verify(token, users) is None
    token = sessions.issue(accounts.load(users)["lanhdao"], users)
    accounts.remove("lanhdao", path=users)
    assert sessions.verify(token, users) is None
