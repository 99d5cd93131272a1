"""Sending e-mail through the configured SMTP server."""

from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from app.platform.settings import Settings

TIMEOUT_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str


class MailError(Exception):
    """The server refused the message or could not be reached; worth another attempt."""


@dataclass(frozen=True, slots=True)
class SmtpMailer:
    host: str
    port: int
    sender: str
    username: str | None
    password: str | None
    starttls: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmtpMailer | None":
        """The configured mailer, or None when no SMTP host is set."""
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )

    async def send(self, mail: Mail) -> None:
        """Hand `mail` to the server; raises `MailError` when it is not accepted."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                timeout=TIMEOUT_SECONDS,
            )
        except (aiosmtplib.SMTPException, OSError) as failed:
            raise MailError(f"{type(failed).__name__}: {failed}") from failed
