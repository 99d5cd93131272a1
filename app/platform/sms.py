"""Sending text messages through an HTTP SMS gateway: one JSON POST per message, in the shape
most gateways accept (see docs/integrations.md#sms)."""

from dataclasses import dataclass

import httpx

from app.platform.settings import Settings

TIMEOUT_SECONDS = 30
# Answers that say "not now" rather than "never" (a rejected token is fixed by configuring
# it): the message is tried again.
_RETRYABLE = {401, 403, 408, 425, 429}


@dataclass(frozen=True, slots=True)
class Sms:
    to: str
    text: str
    # The gateway's idempotency key and the reference its delivery reports carry.
    reference: str


class SmsError(Exception):
    """The gateway did not take the message. `final` when trying again cannot help (it
    refused the message itself), else another attempt may succeed."""

    def __init__(self, reason: str, *, final: bool = False) -> None:
        super().__init__(reason)
        self.final = final


@dataclass(frozen=True, slots=True)
class SmsGateway:
    url: str
    token: str | None
    sender: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmsGateway | None":
        """The configured gateway, or None when no gateway URL is set."""
        if not settings.sms_gateway_url:
            return None
        return cls(settings.sms_gateway_url, settings.sms_gateway_token, settings.sms_sender)

    async def send(self, sms: Sms) -> bool:
        """Hand `sms` to the gateway. Returns whether it already reports the message
        delivered (`{"status": "delivered"}`); raises `SmsError` when it is not accepted."""
        headers = {"Idempotency-Key": sms.reference}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = {"from": self.sender, "to": sms.to, "text": sms.text, "reference": sms.reference}
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
                response = await client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as failed:
            raise SmsError(f"{type(failed).__name__}: {failed}") from failed
        if not response.is_success:
            status = response.status_code
            final = 400 <= status < 500 and status not in _RETRYABLE
            raise SmsError(f"HTTP {status}: {response.text[:300]}", final=final)
        try:
            answer = response.json()
        except ValueError:
            return False
        return isinstance(answer, dict) and answer.get("status") == "delivered"
