"""The built-in issuer's two HTML pages: the login form, and the error page for an
authorization request that cannot be answered by redirecting back to the application."""

from collections.abc import Mapping, Sequence
from functools import cache
from html import escape
from importlib.resources import files
from string import Template

from fastapi.responses import HTMLResponse

# The login page takes a password: never cached, never framed (clickjacking), and no
# script may run on it.
_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


@cache
def _template(name: str) -> Template:
    return Template((files("app.auth") / "templates" / name).read_text(encoding="utf-8"))


def login_page(
    request: Mapping[str, str],
    *,
    email: str = "",
    error: str | None = None,
    organisations: Sequence[tuple[str, str]] = (),
    status_code: int = 200,
) -> HTMLResponse:
    """The form; `request` (the authorization request) travels along in hidden fields."""
    hidden = "\n".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in request.items()
    )
    choice = ""
    if organisations:
        options = "".join(
            f'<option value="{escape(slug)}">{escape(name)}</option>'
            for slug, name in organisations
        )
        choice = f'<label>Organisation <select name="organisation">{options}</select></label>'
    body = _template("login.html").substitute(
        error=f'<p class="error" role="alert">{escape(error)}</p>' if error else "",
        hidden=hidden,
        email=escape(email),
        organisation=choice,
    )
    return HTMLResponse(body, status_code=status_code, headers=_HEADERS)


def error_page(message: str) -> HTMLResponse:
    body = _template("error.html").substitute(message=escape(message))
    return HTMLResponse(body, status_code=400, headers=_HEADERS)
