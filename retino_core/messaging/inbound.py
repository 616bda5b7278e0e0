"""A shopper's e-mail reply, parsed: raw RFC 5322 bytes in, the parts we keep out.

Pure functions, no database. Anyone can send mail, so nothing here trusts the input: headers are
decoded with fallbacks (a malformed header is read raw rather than raising), the body is the
plain-text part or the HTML part reduced to text with nh3, and only photos and PDFs recognised by
their first bytes are kept as attachments. The only error is :class:`InboundRefused`, for a
message too large or without one usable sender. Matching the reply to a case is the job of
``inbound_actions``.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from enum import Enum
from typing import cast

import nh3

from retino_core.cases.attachments import MAX_ATTACHMENT_BYTES, display_filename, sniff_content_type
from retino_core.messaging.tasks import header_name

#: Larger messages are refused whole (the receiver also announces it as the SMTP SIZE limit).
MAX_INBOUND_MESSAGE_BYTES = 25 * 1024 * 1024
#: A longer body is cut here (quoted history makes replies long); the cut is recorded in history.
INBOUND_BODY_MAX_LENGTH = 50_000
#: At most this many ids from In-Reply-To and References are looked up.
MAX_THREAD_IDS = 50
#: Nested MIME deeper than this is not looked into.
MAX_MIME_DEPTH = 10
#: At most this many names of skipped files are remembered.
MAX_SKIPPED_NAMES = 20

_MESSAGE_ID = re.compile(r"<([^<>\s]{1,250})>")
_ADDRESS = re.compile(r"^[^@\s<>\"(),;:\[\]\\]+@[^@\s<>\"(),;:\[\]\\]+\.[^@\s<>\"(),;:\[\]\\]+$")
#: HTML tags that end a line of text; everything else only separates words.
_LINE_ENDING_TAGS = re.compile(
    r"<\s*(?:br|hr)\b[^>]*>|<\s*/\s*(?:p|div|li|tr|h[1-6]|blockquote|pre|table|ul|ol|section|article)\s*>",
    re.IGNORECASE,
)
#: Tags whose content is not text a person wrote.
_DROPPED_CONTENT_TAGS = {"script", "style", "title", "head", "template"}
_AUTO_PRECEDENCE = frozenset({"auto_reply", "bulk", "junk"})


class InboundRefusal(Enum):
    #: Larger than MAX_INBOUND_MESSAGE_BYTES.
    too_large = "too_large"
    #: No single valid From address.
    unreadable = "unreadable"
    #: An out-of-office or other automatic answer (RFC 3834 Auto-Submitted, Precedence: bulk).
    auto_reply = "auto_reply"
    #: Neither In-Reply-To nor References names an e-mail we sent about a case.
    unknown_thread = "unknown_thread"
    #: The From address is neither the case's customer nor the address our e-mail went to.
    sender_mismatch = "sender_mismatch"
    #: The case's account is deactivated: it takes no new data.
    account_deactivated = "account_deactivated"


#: One line per refusal, for the MTA's bounce and the operator's log (plain ASCII: it goes into SMTP replies).
REFUSAL_REASONS: dict[InboundRefusal, str] = {
    InboundRefusal.too_large: f"The message is larger than {MAX_INBOUND_MESSAGE_BYTES // (1024 * 1024)} MB.",
    InboundRefusal.unreadable: "The message has no single valid From address.",
    InboundRefusal.auto_reply: "Automatic replies are not stored.",
    InboundRefusal.unknown_thread: "The message does not answer an e-mail about a case.",
    InboundRefusal.sender_mismatch: "The sender is not the customer of the case.",
    InboundRefusal.account_deactivated: "The shop no longer receives messages.",
}


class InboundRefused(Exception):
    def __init__(self, refusal: InboundRefusal) -> None:
        self.refusal = refusal
        super().__init__(REFUSAL_REASONS[refusal])


class InboundStatus(Enum):
    #: A new message is stored in the case.
    stored = "stored"
    #: The same Message-ID was stored before; nothing new is stored (a redelivery is not an error).
    duplicate = "duplicate"
    #: Nothing is stored; ``refusal`` says why.
    refused = "refused"


@dataclass(frozen=True)
class InboundResult:
    status: InboundStatus
    refusal: InboundRefusal | None = None
    #: The stored (or earlier stored) ``InboundMessage``.
    message_id: int | None = None
    case_id: int | None = None
    case_number: str = ""
    #: Names of attached files that were not kept (wrong type, too large, the case is full).
    skipped_attachments: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return REFUSAL_REASONS[self.refusal] if self.refusal is not None else ""


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    data: bytes


@dataclass(frozen=True)
class ParsedEmail:
    #: ``<id@host>`` from the header, or ``<sha256@no-message-id.invalid>`` of the raw bytes.
    message_id: str
    #: Lower-cased.
    from_address: str
    from_name: str
    subject: str
    body_text: str
    is_body_truncated: bool
    #: Ids this message answers, most specific first: In-Reply-To, then References newest first.
    thread_ids: tuple[str, ...]
    is_auto_reply: bool
    attachments: tuple[InboundAttachment, ...] = ()
    skipped_attachments: tuple[str, ...] = field(default=())


def parse_inbound_email(raw: bytes) -> ParsedEmail:
    """Read what we keep from ``raw``; raises :class:`InboundRefused` (too large, no usable sender)."""
    if len(raw) > MAX_INBOUND_MESSAGE_BYTES:
        raise InboundRefused(InboundRefusal.too_large)
    message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
    from_name, from_address = _sender(message)
    body_part = _body_part(message)
    body, is_truncated = _limited(_part_text(body_part) if body_part is not None else "")
    attachments, skipped = _attachments(message, body_part)
    return ParsedEmail(
        message_id=_own_message_id(message, raw),
        from_address=from_address,
        from_name=from_name,
        subject=_header_text(message, "Subject")[:400],
        body_text=body,
        is_body_truncated=is_truncated,
        thread_ids=_thread_ids(message),
        is_auto_reply=_is_auto_reply(message),
        attachments=tuple(attachments),
        skipped_attachments=tuple(skipped[:MAX_SKIPPED_NAMES]),
    )


def html_to_text(markup: str) -> str:
    """HTML as plain text: every tag stripped by nh3, block ends kept as line breaks, entities decoded."""
    flowing = re.sub(r"\s+", " ", markup)
    with_breaks = _LINE_ENDING_TAGS.sub("\n", flowing)
    stripped = nh3.clean(with_breaks, tags=set(), clean_content_tags=_DROPPED_CONTENT_TAGS, attributes={})
    lines = (line.strip() for line in html.unescape(stripped).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _clean_text(value: str) -> str:
    """Valid UTF-8 text: undecodable bytes from a raw header become U+FFFD, NUL is dropped."""
    try:
        text = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        text = value.encode("utf-8", "replace").decode("utf-8")
    return text.replace("\x00", "")


def _raw_headers(message: EmailMessage, name: str) -> list[str]:
    wanted = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == wanted]


def _header_text(message: EmailMessage, name: str) -> str:
    """A header as one clean line; a header the email package cannot parse is decoded by hand."""
    try:
        value = message.get(name)
        text = "" if value is None else str(value)
    except Exception:
        raw = " ".join(_raw_headers(message, name))
        try:
            text = str(make_header(decode_header(raw)))
        except Exception:
            text = raw
    return header_name(_clean_text(text))


def _sender(message: EmailMessage) -> tuple[str, str]:
    """``(display name, lower-cased address)`` of the one From address; anything else is refused."""
    raw_from = _raw_headers(message, "From")
    if len(raw_from) != 1:
        raise InboundRefused(InboundRefusal.unreadable)
    name, address = "", ""
    try:
        header = message["From"]
        addresses = getattr(header, "addresses", ())
        if len(addresses) == 1:
            name, address = addresses[0].display_name, addresses[0].addr_spec
    except Exception:
        pairs = getaddresses(raw_from)
        if len(pairs) == 1:
            name, address = pairs[0]
            try:
                name = str(make_header(decode_header(name)))
            except Exception:
                name = ""
    address = _clean_text(address).strip().lower()
    if len(address) > 254 or not _ADDRESS.match(address):
        raise InboundRefused(InboundRefusal.unreadable)
    return header_name(_clean_text(name))[:200], address


def _own_message_id(message: EmailMessage, raw: bytes) -> str:
    found = _MESSAGE_ID.search(" ".join(_raw_headers(message, "Message-ID")))
    if found is not None:
        return f"<{_clean_text(found.group(1))}>"
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def _thread_ids(message: EmailMessage) -> tuple[str, ...]:
    in_reply_to = _MESSAGE_ID.findall(" ".join(_raw_headers(message, "In-Reply-To")))
    references = _MESSAGE_ID.findall(" ".join(_raw_headers(message, "References")))
    ordered = dict.fromkeys(f"<{_clean_text(value)}>" for value in [*in_reply_to, *reversed(references)])
    return tuple(ordered)[:MAX_THREAD_IDS]


def _is_auto_reply(message: EmailMessage) -> bool:
    auto_submitted = " ".join(_raw_headers(message, "Auto-Submitted")).split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    precedence = " ".join(_raw_headers(message, "Precedence")).strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return True
    return bool(_raw_headers(message, "X-Autoreply") or _raw_headers(message, "X-Autorespond"))


def _body_part(message: EmailMessage) -> EmailMessage | None:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:
        return None
    return part if isinstance(part, EmailMessage) else None


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except Exception:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        try:
            content = data.decode(part.get_content_charset() or "utf-8", "replace")
        except LookupError:
            content = data.decode("utf-8", "replace")
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return content


def _limited(text: str) -> tuple[str, bool]:
    """Line breaks as ``\\n``, no control characters but tab, trailing spaces and outer blank lines gone."""
    unified = _clean_text(text).replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(char for char in unified if char in "\n\t" or unicodedata.category(char) != "Cc")
    lines = [line.rstrip() for line in kept.split("\n")]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    if len(body) > INBOUND_BODY_MAX_LENGTH:
        return body[:INBOUND_BODY_MAX_LENGTH], True
    return body, False


def _leaf_parts(message: EmailMessage) -> list[EmailMessage]:
    """Every non-multipart part, depth first, without looking into attached messages."""
    leaves: list[EmailMessage] = []
    stack: list[tuple[EmailMessage, int]] = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        if part.get_content_maintype() == "multipart":
            if depth < MAX_MIME_DEPTH:
                children = [child for child in part.iter_parts() if isinstance(child, EmailMessage)]
                stack.extend((child, depth + 1) for child in reversed(children))
            continue
        leaves.append(part)
    return leaves


def _filename(part: EmailMessage) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return display_filename(_clean_text(name), fallback="") if name else ""


def _attachments(message: EmailMessage, body_part: EmailMessage | None) -> tuple[list[InboundAttachment], list[str]]:
    """Photos and PDFs (by their bytes, at most MAX_ATTACHMENT_BYTES each), and the names of the rest."""
    kept: list[InboundAttachment] = []
    skipped: list[str] = []
    for part in _leaf_parts(message):
        if part is body_part:
            continue
        filename = _filename(part)
        try:
            disposition = part.get_content_disposition()
        except Exception:
            disposition = None
        if part.get_content_maintype() == "text" and not filename and disposition != "attachment":
            continue  # the other alternative of the body, or inline text
        try:
            payload = part.get_payload(decode=True) if part.get_content_maintype() != "message" else None
        except Exception:
            payload = None
        sniffed = sniff_content_type(payload) if isinstance(payload, bytes) else None
        if not isinstance(payload, bytes) or sniffed is None or len(payload) > MAX_ATTACHMENT_BYTES:
            skipped.append(filename or "attachment")
            continue
        kept.append(InboundAttachment(filename=filename or f"attachment{sniffed[1]}", data=payload))
    return kept, skipped
