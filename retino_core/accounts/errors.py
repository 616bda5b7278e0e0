from __future__ import annotations

from enum import Enum

from retino_core.errors import DomainError


class AccountErrorCode(Enum):
    permission_denied = "permission_denied"
    account_not_found = "account_not_found"
    account_deactivated = "account_deactivated"
    user_not_found = "user_not_found"
    email_taken = "email_taken"
    weak_password = "weak_password"  # noqa: S105
    invalid_credentials = "invalid_credentials"
    already_member = "already_member"
    last_owner = "last_owner"
    channel_not_found = "channel_not_found"
    channel_exists = "channel_exists"
    consultant_not_member = "consultant_not_member"
    invalid_input = "invalid_input"
    invalid_token = "invalid_token"  # noqa: S105
    invitation_not_found = "invitation_not_found"
    invitation_email_mismatch = "invitation_email_mismatch"
    sign_in_required = "sign_in_required"


class AccountError(DomainError):
    pass
