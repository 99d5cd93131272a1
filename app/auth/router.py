"""The built-in OpenID issuer's public endpoints (only when no external issuer is set)."""

from typing import Any

from fastapi import APIRouter, Request

from app.auth.dependencies import runtime
from app.auth.tokens import BUILTIN_ALGORITHM

router = APIRouter(tags=["auth"])


@router.get("/.well-known/openid-configuration")
async def openid_configuration(request: Request) -> dict[str, Any]:
    issuer = runtime(request).settings.issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "jwks_uri": f"{issuer}/oauth/jwks",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [BUILTIN_ALGORITHM],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
    }


@router.get("/oauth/jwks")
async def jwks(request: Request) -> dict[str, Any]:
    keys = runtime(request).builtin_keys
    assert keys is not None
    return await keys.public_jwks()
