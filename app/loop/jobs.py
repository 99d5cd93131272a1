"""The e-mail and SMS jobs of the task queue's workers."""

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.loop import email, sms
from app.notify.email import forget_pending
from app.platform.db import transaction
from app.platform.mail import SmtpMailer
from app.platform.queue import SESSIONS
from app.platform.sms import SmsGateway

# The worker's context holds the configured mailer, or None when SMTP is not configured.
MAILER = "mailer"
# And the configured SMS gateway, or None.
SMS_GATEWAY = "sms_gateway"


async def send_emails(context: procrastinate.JobContext, timestamp: int | None = None) -> int:
    """Send the e-mails that are due; without SMTP, drop what waits to be e-mailed."""
    mailer: SmtpMailer | None = context.additional_context.get(MAILER)
    sessions: async_sessionmaker[AsyncSession] = context.additional_context[SESSIONS]
    if mailer is None:
        async with transaction(sessions) as session:
            await forget_pending(session)
        return 0
    return await email.send_round(sessions, mailer)


async def send_sms(context: procrastinate.JobContext, timestamp: int | None = None) -> int:
    """Send the customer SMS messages that are due; without a gateway none is queued."""
    gateway: SmsGateway | None = context.additional_context.get(SMS_GATEWAY)
    if gateway is None:
        return 0
    return await sms.send_round(context.additional_context[SESSIONS], gateway)
