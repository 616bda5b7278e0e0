"""E-mail to shoppers: templates rendered in a sandbox, an outbound row per message, a send job.

``queue_case_email`` renders and stores a message in the caller's transaction; the ``send_email``
job delivers it through the ``Mailer`` port after commit, at most once.
"""

from __future__ import annotations

from retino_core.messaging.actions import case_email_context, queue_case_email, rating_url, status_url
from retino_core.messaging.errors import MessagingError, MessagingErrorCode
from retino_core.messaging.mailer import (
    FolderMailer,
    Mailer,
    SmtpMailer,
    StoredMessage,
    list_folder_messages,
    parse_smtp_url,
)
from retino_core.messaging.models import EmailStatus, OutboundEmail
from retino_core.messaging.render import (
    SYSTEM_TEMPLATES,
    RenderedEmail,
    render_email,
    render_email_source,
)
from retino_core.messaging.tasks import build_message, send_email

__all__ = [
    "SYSTEM_TEMPLATES",
    "EmailStatus",
    "FolderMailer",
    "Mailer",
    "MessagingError",
    "MessagingErrorCode",
    "OutboundEmail",
    "RenderedEmail",
    "SmtpMailer",
    "StoredMessage",
    "build_message",
    "case_email_context",
    "list_folder_messages",
    "parse_smtp_url",
    "queue_case_email",
    "rating_url",
    "render_email",
    "render_email_source",
    "send_email",
    "status_url",
]
