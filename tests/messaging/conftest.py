"""A real SMTP server (aiosmtpd) on a free local port, and a case ready for e-mail."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from retino_core.cases.models import CaseItem
from retino_core.config import Settings
from retino_core.runtime import Runtime, build_runtime
from tests.jobs.conftest import account, rq_runtime, rq_settings  # noqa: F401


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class RecordingHandler:
    received: list[ReceivedMail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: RecordingHandler

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def received(self) -> list[ReceivedMail]:
        with self.handler.lock:
            return list(self.handler.received)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=port, handler=handler)
    finally:
        controller.stop()


@pytest.fixture
def smtp_runtime(settings: Settings, engine: Engine, smtp_server: SmtpServer) -> Iterator[Runtime]:
    """In-process jobs, real SMTP."""
    built = build_runtime(settings.with_overrides(smtp_url=smtp_server.url), engine=engine)
    yield built
    built.close()


@pytest.fixture
def make_mail_case(session: Session, make_case_row: Any) -> Any:
    """A committed case with two items, in the account's language unless overridden."""

    def factory(owner: Any, **overrides: Any) -> Any:
        case = make_case_row(owner, **overrides)
        for name, quantity, price in (("Tričko s potiskem", "2", "499.00"), ("Kšiltovka", "1", None)):
            case.items.append(
                CaseItem(
                    account_id=owner.id,
                    name=name,
                    quantity=Decimal(quantity),
                    unit_price_amount=Decimal(price) if price else None,
                    currency=case.currency,
                )
            )
        session.flush()
        session.commit()
        return case

    return factory


@pytest.fixture
def runtime_without_smtp(settings: Settings, engine: Engine) -> Iterator[Runtime]:
    """In-process jobs, mail written to the folder outbox."""
    built = build_runtime(settings, engine=engine)
    yield built
    built.close()
