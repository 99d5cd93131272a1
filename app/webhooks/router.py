import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from app.web.caller import Caller
from app.web.routes import ApiRoute
from app.web.unit_of_work import Session, runtime
from app.webhooks import service
from app.webhooks.schemas import (
    DeliveryOut,
    WebhookCreate,
    WebhookOut,
    WebhookSecretOut,
    WebhookUpdate,
)

router = APIRouter(tags=["webhooks"], route_class=ApiRoute)


def _allow_loopback(request: Request) -> bool:
    return runtime(request).settings.webhook_allow_loopback


AllowLoopback = Annotated[bool, Depends(_allow_loopback)]


@router.get("/webhooks")
async def list_webhooks(session: Session, caller: Caller) -> list[WebhookOut]:
    """The organisation's webhook subscriptions (administrators only)."""
    return await service.list_webhooks(session, caller)


@router.post("/webhooks", status_code=status.HTTP_201_CREATED)
async def create_webhook(
    body: WebhookCreate,
    session: Session,
    caller: Caller,
    response: Response,
    allow_loopback: AllowLoopback,
) -> WebhookSecretOut:
    """Subscribe a URL to timeline events. The signing secret is shown only now."""
    created = await service.create_webhook(session, caller, body, allow_loopback=allow_loopback)
    response.headers["Location"] = f"/api/v1/webhooks/{created.webhook.id}"
    return created


@router.get("/webhooks/{webhook_id}")
async def get_webhook(webhook_id: uuid.UUID, session: Session, caller: Caller) -> WebhookOut:
    """One webhook subscription (without its secret)."""
    return await service.get_webhook(session, caller, webhook_id)


@router.patch("/webhooks/{webhook_id}")
async def update_webhook(
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    session: Session,
    caller: Caller,
    allow_loopback: AllowLoopback,
) -> WebhookOut:
    """Change the fields sent. While paused (`active: false`) events are not sent, and
    deliveries already made wait until it is active again."""
    return await service.update_webhook(
        session, caller, webhook_id, body, allow_loopback=allow_loopback
    )


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(webhook_id: uuid.UUID, session: Session, caller: Caller) -> None:
    """Stop sending to the subscription; its deliveries and their log go with it."""
    await service.delete_webhook(session, caller, webhook_id)


@router.post("/webhooks/{webhook_id}/rotate-secret")
async def rotate_webhook_secret(
    webhook_id: uuid.UUID, session: Session, caller: Caller
) -> WebhookSecretOut:
    """Replace the signing secret at once; the new one is shown only now."""
    return await service.rotate_secret(session, caller, webhook_id)


@router.get("/webhooks/{webhook_id}/deliveries")
async def list_webhook_deliveries(
    webhook_id: uuid.UUID,
    session: Session,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LOG)] = 50,
) -> list[DeliveryOut]:
    """The delivery log: recent deliveries, newest first, with every attempt."""
    return await service.list_deliveries(session, caller, webhook_id, limit=limit)
