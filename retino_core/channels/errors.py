from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class ChannelErrorCode(Enum):
    #: The payload breaks the schema; see the per-field messages.
    invalid_input = "invalid_input"
    #: A case type id that is not one of the account's types.
    case_type_not_found = "case_type_not_found"
    #: The case type is switched off or not public, so the storefront cannot offer it.
    case_type_not_offerable = "case_type_not_offerable"
    #: A shipping option id that is not one of this channel's options.
    shipping_option_not_found = "shipping_option_not_found"
    #: A name or instructions are missing in the channel's own language.
    channel_language_missing = "channel_language_missing"
    #: The new order of shipping options does not list exactly the channel's active options.
    invalid_order = "invalid_order"
    #: The channel is disabled or still waiting for authorisation, so there is nothing to sync.
    channel_not_connected = "channel_not_connected"


class ChannelError(DomainError):
    pass
