"""Local accounts: bcrypt's 72-byte limit never becomes a trace, an unknown name costs what a
wrong password costs, repeated failures lock out, and the demo passwords are noticed."""
import bcrypt
import pytest

from lakehouse import accounts


@pytest.fixture
def users(tmp_path):
    path = tmp_path / "users.json"
    accounts.upsert("canbo", "steward", "mat-khau-dung", ["05971"], "Cán bộ", path)
    return path


def test_a_password_over_72_bytes_is_refused_in_words_never_a_trace(users):
    long = "mật khẩu rất dài " * 6
    assert len(long.encode()) > 72
    assert accounts.authenticate("canbo", long, users) is None
    with pytest.raises(accounts.AccountError, match="dài quá 72 byte"):
        accounts.upsert("x", "leadership", long, [], None, users)


def test_an_unknown_name_is_checked_against_a_hash_of_the_same_cost(users):
    known = accounts.load(users)["canbo"].password_hash.encode()
    assert accounts.authenticate("khong-co", "mat-khau-dung", users) is None
    assert accounts._dummy_hash()[:7] == known[:7] == b"$2b$12$"   # same algorithm and cost: same time


def test_repeated_failures_lock_the_account_out_and_a_success_clears_them(users):
    throttle = accounts.Throttle()
    for _ in range(accounts.Throttle.LIMIT - 1):
        assert accounts.sign_in("canbo", "sai", "10.0.0.1", users, throttle)[0] is None
    assert accounts.sign_in("canbo", "mat-khau-dung", "10.0.0.1", users, throttle)[0] is not None
    for _ in range(accounts.Throttle.LIMIT):
        accounts.sign_in("canbo", "sai", "10.0.0.2", users, throttle)
    account, problem = accounts.sign_in("canbo", "mat-khau-dung", "10.0.0.3", users, throttle)
    assert account is None and "sai quá nhiều lần" in problem   # the account is locked, from any client
    assert throttle.locked_for("client:10.0.0.2") > 0


def test_demo_passwords_still_in_use_are_found(tmp_path):
    from jobs.demo import demo_accounts

    path = tmp_path / "users.json"
    demo_accounts(path)
    assert sorted(accounts.demo_passwords_in_use(path)) == ["canbo", "lanhdao", "quantri"]
    accounts.upsert("quantri", "admin", "mat-khau-moi-dai", [], None, path)
    assert "quantri" not in accounts.demo_passwords_in_use(path)
    assert bcrypt.checkpw(b"mat-khau-moi-dai", accounts.load(path)["quantri"].password_hash.encode())


def test_an_address_for_the_digest_is_checked_and_kept(users):
    with pytest.raises(accounts.AccountError, match="không hợp lệ"):
        accounts.upsert("canbo", "steward", None, ["05971"], path=users, email="khong phai thu")
    accounts.upsert("canbo", "steward", None, ["05971"], path=users, email="thu@langson.gov.vn")
    kept = accounts.upsert("canbo", "steward", None, ["05971", "05974"], path=users)   # no --email: kept
    assert kept.address == "thu@langson.gov.vn"
    assert accounts.Account("a@b.vn", "A", "leadership").address == "a@b.vn"   # an OIDC name is an address
