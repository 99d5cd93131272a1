"""What the built-in issuer's endpoints take and give. Every request field is optional so
that a missing one is answered in OAuth's own error format rather than as a validation error."""

from typing import Literal

from pydantic import BaseModel


class AuthorizationParams(BaseModel):
    """An authorization request (RFC 6749 §4.1.1 with PKCE, RFC 7636 §4.3)."""

    response_type: str | None = None
    client_id: str | None = None
    redirect_uri: str | None = None
    scope: str | None = None
    state: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    nonce: str | None = None


class LoginForm(AuthorizationParams):
    """The login form: the authorization request travels along in hidden fields."""

    email: str = ""
    password: str = ""
    # Chosen on the form only when the e-mail and password match people in several
    # organisations.
    organisation: str | None = None


class TokenForm(BaseModel):
    """A token request: an authorization code (RFC 6749 §4.1.3) or a refresh token (§6)."""

    grant_type: str | None = None
    client_id: str | None = None
    code: str | None = None
    redirect_uri: str | None = None
    code_verifier: str | None = None
    refresh_token: str | None = None
    scope: str | None = None


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme, not a secret
    expires_in: int
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None
