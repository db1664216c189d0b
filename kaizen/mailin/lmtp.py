"""An LMTP receiver (aiosmtpd) a mail server delivers to: each message goes through the same
pipeline as a fetched one. A recipient must be an active mailbox's address. The message is
acknowledged (250) only once it is stored and worked, so the mail server keeps and retries it
when Kaizen cannot take it."""

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.db import close_old_connections

from kaizen.mailin.models import Mailbox
from kaizen.mailin.services import pipeline

logger = logging.getLogger(__name__)


def _mailbox_for(address: str) -> Mailbox | None:
    close_old_connections()
    return Mailbox.objects.filter(address__iexact=address.strip(), is_active=True).first()


def _deliver(address: str, raw: bytes) -> str:
    close_old_connections()
    mailbox = Mailbox.objects.get(address__iexact=address, is_active=True)
    row = pipeline.receive(mailbox, raw, via="lmtp")
    return f"250 2.0.0 <{address}> {row.get_state_display().lower()}"


class Handler:
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list
    ) -> str:
        mailbox = await asyncio.to_thread(_mailbox_for, address)
        if mailbox is None:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(mailbox.address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        replies = []
        # LMTP answers DATA once per recipient (RFC 2033); aiosmtpd sends the lines we give.
        for address in envelope.rcpt_tos:
            try:
                replies.append(await asyncio.to_thread(_deliver, address, raw))
            except Exception:
                logger.exception("LMTP delivery to %s failed", address)
                replies.append(f"451 4.3.0 <{address}> not stored, try again later")
        return "\r\n".join(replies)


class LMTPController(Controller):
    def factory(self) -> LMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def controller(host: str, port: int) -> LMTPController:
    return LMTPController(Handler(), hostname=host, port=port, decode_data=False)
