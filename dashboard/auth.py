"""Who is using the dashboard: OpenID Connect through ``st.login`` when ``[auth]`` is set in
``.streamlit/secrets.toml``, else the local accounts of ``lake.accounts``. There is no
anonymous access."""
from __future__ import annotations

import streamlit as st

from lake import accounts
from lake.accounts import Account

_KEY = "account"


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current() -> Account | None:
    """The signed-in account, or ``None`` (after drawing the sign-in form)."""
    if oidc_configured():
        if not st.user.is_logged_in:
            st.title("Đăng nhập")
            st.button("Đăng nhập bằng tài khoản cơ quan", on_click=st.login, type="primary")
            return None
        email = str(st.user.get("email", ""))
        account = accounts.load().get(email)
        if account is None:
            st.error(f"Tài khoản {email} chưa được cấp quyền. Hãy liên hệ quản trị viên.")
            st.button("Đăng xuất", on_click=st.logout)
            return None
        st.session_state[_KEY] = account
        return account
    account = st.session_state.get(_KEY)
    if account is not None:
        # Checked on every run: an account removed or changed since sign-in loses what it lost.
        fresh = accounts.load().get(account.username)
        if fresh is None:
            st.session_state.pop(_KEY, None)
            st.warning("Tài khoản của bạn không còn hiệu lực; hãy liên hệ quản trị viên.")
            return None
        if fresh != account:
            st.session_state[_KEY] = fresh
        return fresh
    st.title("Đăng nhập")
    with st.form("login"):
        username = st.text_input("Tên đăng nhập")
        password = st.text_input("Mật khẩu", type="password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if submitted:
        account, problem = accounts.sign_in(username, password, _client())
        if account is None:
            st.error(problem)
        else:
            st.session_state[_KEY] = account
            st.rerun()
    return None


def _client() -> str:
    try:
        return str(st.context.ip_address or "?")
    except Exception:   # older Streamlit, or no request (tests)
        return "?"


def sign_out() -> None:
    if oidc_configured():
        st.logout()
    else:
        st.session_state.pop(_KEY, None)


def require(*roles: str) -> Account:
    """Stop the page unless the signed-in account has one of ``roles`` (checked on the server)."""
    account = st.session_state.get(_KEY)
    if account is None or account.role not in roles:
        st.error("Bạn không có quyền xem trang này.")
        st.stop()
    return account
