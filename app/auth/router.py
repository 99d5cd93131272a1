"""The built-in OpenID issuer's public endpoints (only when no external issuer is set)."""

from typing import Annotated, Any

from authlib.oauth2 import OAuth2Error
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from app.auth import issuer, pages
from app.auth.schemas import AuthorizationParams, LoginForm, TokenForm, TokenResponse
from app.auth.tokens import BUILTIN_ALGORITHM, BuiltinKeys
from app.web.routes import ApiRoute
from app.web.unit_of_work import Session, runtime

router = APIRouter(tags=["auth"], route_class=ApiRoute)

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _keys(request: Request) -> BuiltinKeys:
    keys = runtime(request).builtin_keys
    assert keys is not None, "the auth router is mounted only for the built-in issuer"
    return keys


@router.get("/.well-known/openid-configuration")
async def openid_configuration(request: Request) -> dict[str, Any]:
    """OpenID Connect discovery for the built-in issuer: its endpoints, scopes and signing
    algorithm."""
    issuer_url = runtime(request).settings.issuer
    return {
        "issuer": issuer_url,
        "authorization_endpoint": f"{issuer_url}/oauth/authorize",
        "token_endpoint": f"{issuer_url}/oauth/token",
        "jwks_uri": f"{issuer_url}/oauth/jwks",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [BUILTIN_ALGORITHM],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": list(issuer.SUPPORTED_SCOPES),
        "claims_supported": ["sub", "name", "locale", "email"],
        "authorization_response_iss_parameter_supported": True,
    }


@router.get("/oauth/jwks")
async def jwks(request: Request) -> dict[str, Any]:
    """The public keys that verify the tokens the built-in issuer signs."""
    return await _keys(request).public_jwks()


@router.get("/oauth/authorize", response_class=HTMLResponse)
async def authorization_form(
    request: Request, params: Annotated[AuthorizationParams, Query()]
) -> Response:
    """The login form for an authorization-code request with PKCE."""
    settings = runtime(request).settings
    try:
        asked = issuer.check_authorization_request(settings, params)
    except issuer.UnknownClient as exc:
        return pages.error_page(str(exc))
    except OAuth2Error as exc:
        return RedirectResponse(issuer.error_location(settings, exc), status_code=302)
    return pages.login_page(asked.as_params())


@router.post("/oauth/authorize", response_class=HTMLResponse)
async def sign_in(
    request: Request, session: Session, form: Annotated[LoginForm, Form()]
) -> Response:
    """Checks the credentials and sends the browser back to the application with a code."""
    settings = runtime(request).settings
    try:
        asked = issuer.check_authorization_request(settings, form)
    except issuer.UnknownClient as exc:
        return pages.error_page(str(exc))
    except OAuth2Error as exc:
        return RedirectResponse(issuer.error_location(settings, exc), status_code=302)
    try:
        person = await issuer.sign_in(
            session, email=form.email, password=form.password, organisation=form.organisation
        )
    except issuer.LoginFailed as exc:
        return pages.login_page(
            asked.as_params(),
            email=form.email,
            error=exc.message,
            organisations=exc.organisations,
            status_code=400,
        )
    location = await issuer.issue_code(session, settings, asked, person)
    # 303: the browser follows a POST's redirect with a GET.
    return RedirectResponse(location, status_code=303)


@router.post(
    "/oauth/token",
    response_model=TokenResponse,
    response_model_exclude_none=True,
    responses={400: {"description": "An OAuth 2.0 error (RFC 6749 §5.2)."}},
)
async def issue_token(
    request: Request, session: Session, form: Annotated[TokenForm, Form()]
) -> JSONResponse:
    """Tokens for an authorization code and its PKCE verifier, or for a refresh token."""
    try:
        tokens = await issuer.grant_tokens(session, runtime(request).settings, _keys(request), form)
    except OAuth2Error as exc:
        # Returned rather than raised, so the session still commits the revocation that a
        # replayed code or refresh token caused.
        status, body, headers = exc()
        return JSONResponse(body, status_code=status, headers=dict(headers))
    return JSONResponse(tokens.model_dump(exclude_none=True), headers=_NO_STORE)
