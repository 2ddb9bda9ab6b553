"""Who is using the dashboard: OpenID Connect through ``st.login`` when ``[auth]`` is set in
``.streamlit/secrets.toml``, else the local accounts of ``lakehouse.accounts``. There is no
anonymous access.

A local sign-in is kept in a signed, expiring cookie (``lakehouse.sessions``), so reloading the page
keeps the user in; signing out ends the session on the server and clears the cookie."""
from __future__ import annotations

import json
import time

import streamlit as st

from lakehouse import accounts, sessions
from lakehouse.accounts import Account

_KEY = "account"
_TOKEN = "session_token"
_COOKIE_JS = "session_cookie_js"


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
    _write_cookie()
    account = st.session_state.get(_KEY)
    if account is None and _TOKEN not in st.session_state:
        # A new connection (a reload, a new tab): the browser's session cookie, if still valid.
        token = _cookie()
        account = sessions.verify(token)
        st.session_state[_TOKEN] = token if account is not None else None
        if account is not None:
            st.session_state[_KEY] = account
    if account is not None:
        # Checked on every run: an account removed or changed since sign-in loses what it lost.
        fresh = accounts.load().get(account.username)
        if fresh is None:
            _end_session()
            st.warning("Tài khoản của bạn không còn hiệu lực; hãy liên hệ quản trị viên.")
            _write_cookie()
            return None
        if fresh != account:
            st.session_state[_KEY] = fresh
        return fresh
    form = st.empty()
    with form.container():
        st.title("Đăng nhập")
        with st.form("login"):
            username = st.text_input("Tên đăng nhập")
            password = st.text_input("Mật khẩu", type="password")
            submitted = st.form_submit_button("Đăng nhập", type="primary")
    if not submitted:
        return None
    account, problem = accounts.sign_in(username, password, _client())
    if account is None:
        st.error(problem)
        return None
    # Signed in: the page is drawn in this same run (no rerun: the leader waits one run, not two).
    form.empty()
    st.session_state[_KEY] = account
    token = sessions.issue(account)
    st.session_state[_TOKEN] = token
    secure = "; Secure" if str(st.context.url or "").startswith("https:") else ""
    st.session_state[_COOKIE_JS] = f"{sessions.COOKIE}={token}; Max-Age={sessions.LIFETIME}; Path=/; SameSite=Strict{secure}"
    _write_cookie()
    return account


WARM_AFTER_S = 0.25


def warm_charts() -> None:
    """An empty chart nobody sees, so the browser loads and compiles the chart library (about
    0.7 s of its time) while the user types, not after pressing "Đăng nhập".

    Sent a moment after the form: arriving with it, the library's loading held the form back
    (the form was seen 0.9 s later; measured in Chromium, bench/RESULTS.md "Eighth pass").
    Called after ``st.navigation``, so the page a shared link names is registered before
    the pause, even if the user signs in within it."""
    import plotly.graph_objects as go

    time.sleep(WARM_AFTER_S)
    with st.container(key="warm-charts"):
        st.plotly_chart(go.Figure(), config={"staticPlot": True}, key="warm-chart")


def _cookie() -> str | None:
    try:
        return st.context.cookies.get(sessions.COOKIE)
    except Exception:   # no request behind this run (AppTest)
        return None


def _write_cookie() -> None:
    """Set or clear the session cookie in the browser (Streamlit has no server-side cookie
    setter: a one-line script does it, on the run after the change)."""
    cookie = st.session_state.pop(_COOKIE_JS, None)
    if cookie is not None:
        st.html(f"<script>document.cookie = {json.dumps(cookie)};</script>", unsafe_allow_javascript=True)


def _end_session() -> None:
    sessions.revoke(st.session_state.get(_TOKEN))
    st.session_state.pop(_KEY, None)
    st.session_state[_TOKEN] = None    # not None would be "not looked at yet": the old cookie stays ignored
    st.session_state[_COOKIE_JS] = f"{sessions.COOKIE}=; Max-Age=0; Path=/; SameSite=Strict"


def _client() -> str:
    try:
        return str(st.context.ip_address or "?")
    except Exception:   # older Streamlit, or no request (tests)
        return "?"


def sign_out() -> None:
    if oidc_configured():
        st.logout()
    else:
        _end_session()


def require(*roles: str) -> Account:
    """Stop the page unless the signed-in account has one of ``roles`` (checked on the server)."""
    account = st.session_state.get(_KEY)
    if account is None or account.role not in roles:
        st.error("Bạn không có quyền xem trang này.")
        st.stop()
    return account
