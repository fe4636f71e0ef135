"""Delivery backends. Each raises DeliveryError on failure; the outbox retries later.

A real SMS adapter (for example a provider's template SMS API) implements `SmsBackend.send`:
it receives the mobile number and the message text, calls the provider with the installation's
signature and template, and raises DeliveryError with the provider's error code on refusal.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

from minsheng.core.settings import Settings

log = logging.getLogger("minsheng.notify")


class DeliveryError(Exception):
    """The provider could not take the message now."""


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> None: ...


class EmailBackend(Protocol):
    def send(self, *, to: str, subject: str, body: str) -> None: ...


class LogSms:
    """Writes the SMS to the log: for development, demos, and offices without a provider yet."""

    def send(self, *, to: str, body: str) -> None:
        log.warning("SMS to %s: %s", to, body)


class LogEmail:
    def send(self, *, to: str, subject: str, body: str) -> None:
        log.warning("Email to %s: %s\n%s", to, subject, body)


class SmtpEmail:
    """Sends email through an SMTP server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, *, to: str, subject: str, body: str) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = s.mail_from, to, subject
        message.set_content(body)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port}: {exc}") from exc


def sms_backend(settings: Settings) -> SmsBackend:
    return LogSms()


def email_backend(settings: Settings) -> EmailBackend:
    return SmtpEmail(settings) if settings.email_backend == "smtp" else LogEmail()
