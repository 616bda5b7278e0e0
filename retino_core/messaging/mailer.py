"""The mail port: SMTP for real installations, a folder of ``.eml`` files for the embedded default."""

from __future__ import annotations

import email.policy
import os
import smtplib
import ssl
import time
from dataclasses import dataclass
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from retino_core.config import parse_boolean


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` or raise; the caller's job retries."""
        ...


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    use_ssl: bool
    use_starttls: bool
    username: str
    password: str


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://user:password@host:port`` (``smtps://`` for TLS, ``?starttls=1`` for STARTTLS)."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError(f"SMTP URL must start with smtp:// or smtps://, got {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError("SMTP URL has no host")
    use_ssl = parts.scheme == "smtps"
    query = parse_qs(parts.query)
    use_starttls = parse_boolean(query.get("starttls", ["0"])[0])
    if use_ssl and use_starttls:
        raise ValueError("use either smtps:// or ?starttls=1, not both")
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if use_ssl else 25),
        use_ssl=use_ssl,
        use_starttls=use_starttls,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


class SmtpMailer:
    def __init__(self, url: str, *, timeout: float = 20.0) -> None:
        self.settings = parse_smtp_url(url)
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        smtp = self.settings
        if smtp.use_ssl:
            return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=self.timeout, context=ssl.create_default_context())
        return smtplib.SMTP(smtp.host, smtp.port, timeout=self.timeout)

    def send(self, message: EmailMessage) -> None:
        with self._connect() as connection:
            if self.settings.use_starttls:
                connection.starttls(context=ssl.create_default_context())
            if self.settings.username:
                connection.login(self.settings.username, self.settings.password)
            connection.send_message(message)


@dataclass(frozen=True)
class StoredMessage:
    path: Path
    subject: str
    to: str
    sender: str
    message_id: str
    #: Seconds since the epoch when the file was written.
    written_at: float


class FolderMailer:
    """Writes each message to ``<folder>/<nanoseconds>-<pid>.eml``, atomically (write, then rename)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}-{os.getpid()}"
        temporary = self.folder / f".{name}.part"
        temporary.write_bytes(message.as_bytes(policy=email.policy.SMTP))
        temporary.replace(self.folder / f"{name}.eml")


def list_folder_messages(folder: Path, *, limit: int = 100) -> list[StoredMessage]:
    """The newest ``limit`` messages a :class:`FolderMailer` wrote, newest first."""
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), key=lambda path: path.name, reverse=True)[:limit]
    messages = []
    for path in paths:
        parsed = message_from_bytes(path.read_bytes(), policy=email.policy.default)
        messages.append(
            StoredMessage(
                path=path,
                subject=str(parsed.get("Subject", "")),
                to=str(parsed.get("To", "")),
                sender=str(parsed.get("From", "")),
                message_id=str(parsed.get("Message-ID", "")),
                written_at=int(path.name.split("-", 1)[0]) / 1e9,
            )
        )
    return messages
