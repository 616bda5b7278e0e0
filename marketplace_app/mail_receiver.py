"""The inbound reply receiver: a small SMTP server (aiosmtpd) that stores each message in its case.

Run it behind the MTA that receives mail for the reply address (it binds 127.0.0.1 by default),
or use ``retino receive-mail`` as an MTA pipe instead. Each message is one transaction through
``receive_inbound_email``. The answer tells the sending MTA what to do:

- 250: stored, or a redelivery of a message already stored;
- 550: refused for good, with the reason (unknown thread, sender not the customer, ...);
- 552: too large (aiosmtpd also refuses by the announced SIZE before the data arrives);
- 451: an unexpected error; the transaction rolled back, nothing is stored, the MTA retries.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller

from retino_core.messaging.inbound import MAX_INBOUND_MESSAGE_BYTES, InboundRefusal, InboundResult, InboundStatus
from retino_core.messaging.inbound_actions import receive_inbound_email
from retino_core.runtime import Runtime

logger = logging.getLogger(__name__)

TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please try again later"


def smtp_reply(result: InboundResult) -> str:
    """The SMTP reply line for the outcome of one message."""
    if result.status is InboundStatus.stored:
        return f"250 2.0.0 Stored in case {result.case_number}"
    if result.status is InboundStatus.duplicate:
        return f"250 2.0.0 Already stored in case {result.case_number}"
    if result.refusal is InboundRefusal.too_large:
        return f"552 5.3.4 {result.reason}"
    return f"550 5.7.1 {result.reason}"


class InboundMailHandler:
    """aiosmtpd handler: hands the DATA of each message to the core, off the event loop."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or b""
        return await asyncio.get_running_loop().run_in_executor(None, self.deliver, bytes(raw))

    def deliver(self, raw: bytes) -> str:
        """Store ``raw`` in one unit of work and answer; any error rolls it back and asks for a retry."""
        try:
            with self.runtime.unit_of_work() as session:
                result = receive_inbound_email(session, raw=raw, storage=self.runtime.storage)
        except Exception:
            logger.exception("storing an inbound e-mail failed; answered 451")
            return TEMPORARY_FAILURE
        logger.info(
            "inbound e-mail %s%s%s",
            result.status.value,
            f" ({result.refusal.value})" if result.refusal else "",
            f" case {result.case_number}" if result.case_number else "",
        )
        return smtp_reply(result)


def build_mail_receiver(
    runtime: Runtime, *, host: str, port: int, data_size_limit: int = MAX_INBOUND_MESSAGE_BYTES
) -> Controller:
    """The SMTP server on ``host:port``, not started (``start()`` runs it in a thread, ``stop()`` ends it)."""
    return Controller(InboundMailHandler(runtime), hostname=host, port=port, data_size_limit=data_size_limit)
