"""Error codes of the messaging module."""

from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class MessagingErrorCode(Enum):
    unknown_template = "unknown_template"
    #: The template tried something the sandbox forbids (attribute tricks, internals).
    unsafe_template = "unsafe_template"
    #: The template has a syntax error, an unknown placeholder or failed while rendering.
    template_error = "template_error"
    #: The recipient address is not usable.
    invalid_recipient = "invalid_recipient"
    #: Only the case's customer (or the system relaying their e-mail) writes a customer message.
    not_the_customer = "not_the_customer"
    #: A customer message with this Message-ID is already stored in the account.
    duplicate_message = "duplicate_message"


class MessagingError(DomainError):
    pass
