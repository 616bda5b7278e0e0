"""What a channel's platform can write back, asked of its adapter without any I/O.

The registry's factories only decrypt credentials and build a client, so building an adapter to ask
``supports(...)`` is cheap; the admin asks before it offers the refund form, the actions and jobs
before they store or send anything.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from retino_core.accounts.models import ChannelStatus, SalesChannel
from retino_core.platforms.interface import Capability
from retino_core.platforms.protocol import PlatformAdapter
from retino_core.platforms.registry import adapter_or_none
from retino_core.refunds.models import RefundKind

logger = logging.getLogger(__name__)

#: Channels in these states hold credentials the platform accepted; a refund or a note may be tried.
WRITABLE_CHANNEL_STATES = frozenset({ChannelStatus.connected, ChannelStatus.error})
#: The capability each kind of refund needs.
CAPABILITY_FOR_KIND: dict[RefundKind, Capability] = {
    RefundKind.refund: Capability.refund,
    RefundKind.credit_note: Capability.credit_note,
}


def refund_kind(adapter: PlatformAdapter | None) -> RefundKind | None:
    """How ``adapter``'s platform gives money back: a payment refund where it can, else a credit note, else None."""
    if adapter is None:
        return None
    for kind, capability in CAPABILITY_FOR_KIND.items():
        if adapter.supports(capability):
            return kind
    return None


def channel_refund_kind(channel: SalesChannel | None, runtime: Mapping[str, Any]) -> RefundKind | None:
    """How money goes back through ``channel`` now: None without a channel, for a waiting or disabled one,
    or when its adapter can neither refund nor issue credit notes (or cannot be built here)."""
    if channel is None or channel.status not in WRITABLE_CHANNEL_STATES:
        return None
    return refund_kind(adapter_or_none(channel, **runtime))
