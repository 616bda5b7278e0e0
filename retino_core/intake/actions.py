"""Intake operations: the order lookup, drafts, and filing a case from a draft.

Each takes ``account`` and ``actor`` (the shopper, ``Actor.customer(email)``), validates, writes
and ``flush()``es; the request commits once. Field errors are keyed by the draft's input paths
(``items.o12.quantity``, ``custom.iban``, ``shipping.branch_id``, ``comment``) so the portal can
put each message next to its input.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from retino_core import clock
from retino_core.accounts.actor import Actor
from retino_core.accounts.models import Account, SalesChannel
from retino_core.accounts.permissions import Permission
from retino_core.case_types.models import CaseKind, CaseType
from retino_core.cases.actions import add_attachment, open_case
from retino_core.cases.attachments import MAX_ATTACHMENTS_PER_CASE, clean_attachment, display_filename
from retino_core.cases.errors import CaseError
from retino_core.cases.models import Case, CaseOrigin
from retino_core.channels.queries import shipping_options, widget_settings
from retino_core.custom_fields.actions import set_case_field_values
from retino_core.custom_fields.models import FieldScope
from retino_core.custom_fields.queries import LinkedField, fields_for_case_type
from retino_core.custom_fields.validation import FieldValueError, is_empty, validate_value
from retino_core.db import after_commit, is_postgresql
from retino_core.errors import ErrorKind
from retino_core.i18n import N_
from retino_core.intake.errors import IntakeError, IntakeErrorCode
from retino_core.intake.models import CaseDraft, DraftPhoto
from retino_core.intake.queries import DraftRow, draft_rows, hash_token, portal_case_types
from retino_core.intake.schemas import LookupSchema, WithoutOrderSchema
from retino_core.orders.models import Order
from retino_core.shipping.actions import check_shipping_choice, record_shipping_choice
from retino_core.shipping.errors import ShippingError
from retino_core.storage import FileStorage
from retino_core.validation import load_or_raise

#: How long a shopper has from a successful lookup to confirming.
DRAFT_LIFETIME = timedelta(hours=2)
#: Longest comment and defect description.
TEXT_MAX_LENGTH = 10_000
#: Kinds whose items need a description of the defect rather than only a reason.
DEFECT_KINDS = frozenset({CaseKind.complaint, CaseKind.warranty})

LOOKUP_FAILED = N_("We could not find an order with this number and e-mail address. Check both and try again.")


def _load(schema: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    return load_or_raise(schema, data, error_class=IntakeError, code=IntakeErrorCode.invalid_input)


def fold_email(email: str) -> str:
    """The form orders and cases store e-mails in: NFC, trimmed, lower-cased."""
    return unicodedata.normalize("NFC", email).strip().lower()


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def lookup_order(session: Session, *, account_id: int, order_code: str, email: str) -> Order | None:
    """The account's order with this number whose e-mail is ``email``, else None. Built not to leak.

    Both failure kinds (no such number; the number with another e-mail) run the same statements:
    one equality query on ``(account_id, code)`` over every channel of the account (the index
    ``ix_orders_account_code``), then a constant-time comparison of SHA-256 digests of the folded
    e-mails — against a dummy when no order matched, so the work does not depend on the number
    existing. It is plain equality with what the order stores, so an Allegro relay address or an
    Allegro order id (the ``code`` of Allegro orders) works like any other.
    """
    candidates = list(
        session.scalars(
            select(Order)
            .where(Order.account_id == account_id, Order.code == order_code.strip())
            .order_by(Order.id)
            .limit(10)
        )
    )
    wanted = _digest(fold_email(email))
    found: Order | None = None
    for stored, order in [(order.customer_email, order) for order in candidates] or [("", None)]:
        if hmac.compare_digest(_digest(fold_email(stored)), wanted) and order is not None and found is None:
            found = order
    return found


def _offered_type(session: Session, channel: SalesChannel, code: str) -> CaseType:
    case_type = next((item for item in portal_case_types(session, channel=channel) if item.code == code), None)
    if case_type is None:
        raise IntakeError(
            IntakeErrorCode.case_type_not_offered,
            N_("Choose one of the offered request types."),
            field_errors={"case_type": [N_("Choose one of the offered request types.")]},
        )
    return case_type


def _new_draft(
    session: Session,
    *,
    channel: SalesChannel,
    case_type: CaseType,
    order: Order | None,
    email: str,
    name: str,
    language: str,
    origin: CaseOrigin,
) -> tuple[CaseDraft, str]:
    token = secrets.token_urlsafe(24)
    draft = CaseDraft(
        account_id=channel.account_id,
        channel_id=channel.id,
        case_type_id=case_type.id,
        order_id=order.id if order else None,
        customer_email=fold_email(email),
        customer_name=name.strip(),
        language=language,
        origin=origin,
        token_hash=hash_token(token),
        payload={},
        expires_at=clock.now() + DRAFT_LIFETIME,
    )
    session.add(draft)
    session.flush()
    return draft, token


def start_draft(
    session: Session, *, account: Account, actor: Actor, channel: SalesChannel, payload: Mapping[str, Any]
) -> tuple[CaseDraft, str]:
    """Find the order by number and e-mail and open a draft for it; returns the draft and its token.

    The token (192 random bits) is returned once and only its hash is stored: it is the shopper's
    credential for the draft. A failed lookup raises ``lookup_failed`` with one message for both
    kinds of failure (see :func:`lookup_order`).
    """
    actor.require(Permission.case_create)
    data = _load(LookupSchema(), payload)
    case_type = _offered_type(session, channel, data["case_type"])
    order = lookup_order(session, account_id=account.id, order_code=data["order_code"], email=data["email"])
    if order is None:
        raise IntakeError(IntakeErrorCode.lookup_failed, LOOKUP_FAILED)
    return _new_draft(
        session,
        channel=channel,
        case_type=case_type,
        order=order,
        email=order.customer_email,
        name=order.customer_name,
        language=data["language"],
        origin=data["origin"],
    )


def start_draft_without_order(
    session: Session, *, account: Account, actor: Actor, channel: SalesChannel, payload: Mapping[str, Any]
) -> tuple[CaseDraft, str]:
    """Open a draft whose items the shopper types by name; only where the merchant allows it."""
    actor.require(Permission.case_create)
    if not widget_settings(session, channel=channel).allow_intake_without_order:
        raise IntakeError(
            IntakeErrorCode.intake_without_order_disabled,
            N_("This shop needs the order number to file a request."),
            kind=ErrorKind.not_found,
        )
    data = _load(WithoutOrderSchema(), payload)
    case_type = _offered_type(session, channel, data["case_type"])
    return _new_draft(
        session,
        channel=channel,
        case_type=case_type,
        order=None,
        email=data["email"],
        name=data["customer_name"],
        language=data["language"],
        origin=data["origin"],
    )


def _require_open_draft(draft: CaseDraft, account: Account) -> None:
    if draft.account_id != account.id or draft.consumed_at is not None or draft.expires_at <= clock.now():
        raise IntakeError(
            IntakeErrorCode.draft_not_found,
            N_("This form has expired. Please start again."),
            kind=ErrorKind.not_found,
        )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _quantity(raw: Any, row: DraftRow, errors: dict[str, list[str]], path: str) -> str | None:
    try:
        quantity = Decimal(_text(raw).strip().replace(",", "."))
    except InvalidOperation:
        errors[path] = [N_("Enter a number.")]
        return None
    if not quantity.is_finite() or quantity <= 0 or quantity.as_tuple().exponent < -3:  # type: ignore[operator]
        errors[path] = [N_("Enter a quantity greater than zero.")]
        return None
    if row.order_item is not None and quantity > row.claimable:
        errors[path] = [N_("This is more than you can still claim for this item.")]
        return None
    if row.order_item is None and quantity > 1000:
        errors[path] = [N_("Enter a quantity greater than zero.")]
        return None
    return f"{quantity.normalize():f}"


def _custom_values(
    linked: list[LinkedField], raw: Mapping[str, Any], language: str, errors: dict[str, list[str]], prefix: str
) -> dict[str, Any]:
    """Each public field's normalised value (absent when left empty), or a message under ``prefix + key``."""
    values: dict[str, Any] = {}
    for field in linked:
        key = field.definition.key
        value = raw.get(key)
        if is_empty(value):
            if field.is_required:
                errors[f"{prefix}{key}"] = [N_("This field is required.")]
            continue
        try:
            values[key] = validate_value(field.definition, value)
        except FieldValueError as error:
            errors[f"{prefix}{key}"] = [error.message]
    return values


def fill_draft(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    draft: CaseDraft,
    storage: FileStorage,
    form: Mapping[str, Any],
    uploads: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> CaseDraft:
    """Validate everything the shopper entered and store it in the draft; any problem stores nothing.

    ``form`` is ``{"items": {key: {include, quantity, reason, defect_description, name, custom}},
    "custom": {...}, "comment": str, "shipping": {option_id, branch_id, branch_name, pickup_address}}``;
    ``uploads`` are ``(item key, file name, bytes)``. Quantities may not exceed what is still
    claimable; a reason is one the type offers; complaint kinds need a defect description; the
    type's public custom fields are validated by their type (IBAN, Czech account…); the shipping
    option is one of the channel's active options. Photos pass the core's attachment rules
    (``clean_attachment``) before any file is written, and are stored cleaned.
    """
    actor.require(Permission.case_create)
    _require_open_draft(draft, account)
    case_type = CaseType.get_for_account(session, draft.case_type_id, account.id)
    channel = SalesChannel.get_for_account(session, draft.channel_id, account.id)
    assert case_type is not None
    assert channel is not None
    rows = {row.key: row for row in draft_rows(session, draft=draft)}
    raw_items = form.get("items") or {}
    errors: dict[str, list[str]] = {}
    unknown = [key for key in raw_items if key not in rows]
    if unknown:
        raise IntakeError(
            IntakeErrorCode.invalid_input,
            N_("An item is not part of your order."),
            field_errors={"items": [N_("An item is not part of your order.")]},
        )
    linked = fields_for_case_type(session, account_id=account.id, case_type_id=case_type.id, public_only=True)
    case_fields = [field for field in linked if field.definition.scope is FieldScope.case]
    item_fields = [field for field in linked if field.definition.scope is FieldScope.item]
    reasons = {reason.code for reason in case_type.offered_reasons}
    items: list[dict[str, Any]] = []
    for key, row in rows.items():
        raw = raw_items.get(key) or {}
        name = _text(raw.get("name")).strip()[:300]
        included = bool(raw.get("include")) if row.order_item is not None else bool(name)
        if not included:
            continue
        path = f"items.{key}."
        quantity = _quantity(raw.get("quantity", "1"), row, errors, path + "quantity")
        reason = _text(raw.get("reason")).strip()
        if reasons and reason not in reasons:
            errors[path + "reason"] = [N_("Choose a reason.")]
        defect = _text(raw.get("defect_description")).strip()
        if case_type.kind in DEFECT_KINDS and not defect:
            errors[path + "defect_description"] = [N_("Describe the defect.")]
        if len(defect) > TEXT_MAX_LENGTH:
            errors[path + "defect_description"] = [N_("Use at most 10,000 characters.")]
        custom = _custom_values(item_fields, raw.get("custom") or {}, draft.language, errors, path + "custom.")
        items.append(
            {
                "key": key,
                "order_item_id": row.order_item.id if row.order_item else None,
                "name": row.order_item.name if row.order_item else name,
                "quantity": quantity,
                "reason": reason if reason in reasons else "",
                "defect_description": defect,
                "custom": custom,
            }
        )
    if not items:
        errors["items"] = [
            N_("Include at least one item.") if draft.order_id else N_("Enter at least one item by its name.")
        ]
    custom = _custom_values(case_fields, form.get("custom") or {}, draft.language, errors, "custom.")
    comment = _text(form.get("comment")).strip()
    if len(comment) > TEXT_MAX_LENGTH:
        errors["comment"] = [N_("Use at most 10,000 characters.")]
    shipping = _shipping(session, channel, form.get("shipping") or {}, errors)
    cleaned = _photos(draft, uploads, {item["key"] for item in items}, errors)
    if errors:
        raise IntakeError(IntakeErrorCode.invalid_input, N_("Some fields are not valid."), field_errors=errors)
    for key, filename, photo in cleaned:
        draft.photos.append(
            DraftPhoto(
                account_id=account.id,
                item_key=key,
                storage_key=storage.save(photo.data, suffix=photo.suffix),
                filename=display_filename(filename),
                content_type=photo.content_type,
                size_bytes=len(photo.data),
                created_at=clock.now(),
            )
        )
    # Photos of items the shopper no longer includes are dropped with their files.
    kept = {item["key"] for item in items}
    for stale in [photo for photo in draft.photos if photo.item_key not in kept]:
        draft.photos.remove(stale)
        after_commit(session, _deleter(storage, stale.storage_key))
    draft.payload = {"items": items, "custom": custom, "comment": comment, "shipping": shipping, "complete": True}
    session.flush()
    return draft


def _deleter(storage: FileStorage, key: str) -> Any:
    return lambda: storage.delete(key)


def _shipping(
    session: Session, channel: SalesChannel, raw: Mapping[str, Any], errors: dict[str, list[str]]
) -> dict[str, Any] | None:
    """The normalised choice, None when the channel offers no option, or messages under ``shipping.*``."""
    if not shipping_options(session, channel=channel):
        return None
    if not _text(raw.get("option_id")).strip():
        errors["shipping.option_id"] = [N_("Choose how you will send the goods back.")]
        return None
    try:
        _option, choice = check_shipping_choice(session, channel=channel, payload=raw)
    except ShippingError as refused:
        for name, messages in _flatten(refused.field_errors or {"option_id": [refused.message]}).items():
            errors[f"shipping.{name}"] = messages
        return None
    return choice


def _flatten(messages: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for name, value in messages.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = [str(message) for message in value] if isinstance(value, list) else [str(value)]
    return flat


def _photos(
    draft: CaseDraft, uploads: list[tuple[str, str, bytes]], included: set[str], errors: dict[str, list[str]]
) -> list[tuple[str, str, Any]]:
    cleaned: list[tuple[str, str, Any]] = []
    existing = len([photo for photo in draft.photos if photo.item_key in included])
    for key, filename, data in uploads:
        path = f"items.{key}.photos"
        if key not in included:
            errors.setdefault("items", [N_("Photos can be added only to an item you include.")])
            continue
        if existing + len(cleaned) >= MAX_ATTACHMENTS_PER_CASE:
            errors[path] = [N_("Too many files for one request.")]
            continue
        try:
            cleaned.append((key, filename, clean_attachment(data)))
        except CaseError as refused:
            errors[path] = [refused.message]
    return cleaned


def confirm_draft(
    session: Session,
    *,
    account: Account,
    actor: Actor,
    channel: SalesChannel,
    token: str,
    storage: FileStorage,
) -> tuple[Case, bool]:
    """File the draft's case in the caller's transaction; returns ``(case, created)``.

    Opens the case through ``open_case`` (origin ``storefront`` or ``direct_link``, the "case
    created" e-mail queued), stores the custom fields, the shipping choice and the photos (moved:
    attached to the case, the draft's files deleted after commit), and marks the draft consumed.

    The draft row is locked first (``FOR UPDATE`` on PostgreSQL), so a double-clicked confirm
    waits for the first and then finds the draft consumed: it returns the same case with
    ``created=False`` and files nothing. Any refusal raises, and the caller rolls back all of it.
    """
    actor.require(Permission.case_create)
    statement = (
        CaseDraft.select_for_account(account.id)
        .where(CaseDraft.channel_id == channel.id, CaseDraft.token_hash == hash_token(token))
        .execution_options(populate_existing=True)
    )
    if is_postgresql(session):
        statement = statement.with_for_update()
    draft = session.scalar(statement)
    if draft is None or draft.expires_at <= clock.now():
        raise IntakeError(
            IntakeErrorCode.draft_not_found, N_("This form has expired. Please start again."), kind=ErrorKind.not_found
        )
    if draft.consumed_at is not None and draft.case_id is not None:
        existing = Case.get_for_account(session, draft.case_id, account.id)
        if existing is not None:
            return existing, False
    _require_open_draft(draft, account)
    payload = draft.payload or {}
    if not payload.get("complete"):
        raise IntakeError(IntakeErrorCode.draft_incomplete, N_("Fill in the form first."), kind=ErrorKind.conflict)
    case_type = CaseType.get_for_account(session, draft.case_type_id, account.id)
    assert case_type is not None
    case = open_case(
        session,
        account=account,
        actor=actor,
        payload={
            "case_type": case_type.code,
            "order_id": draft.order_id,
            "channel_id": None if draft.order_id else channel.id,
            "customer_name": draft.customer_name,
            "customer_email": draft.customer_email,
            "language": draft.language,
            "description": payload.get("comment", ""),
            "notify_customer": True,
            "items": [
                {
                    "order_item_id": item["order_item_id"],
                    "name": "" if item["order_item_id"] else item["name"],
                    "quantity": item["quantity"],
                    "reason": item["reason"],
                    "defect_description": item["defect_description"],
                }
                for item in payload["items"]
            ],
        },
        origin=draft.origin,
    )
    if payload.get("custom"):
        set_case_field_values(session, account=account, actor=actor, case=case, values=payload["custom"])
    case_items = dict(zip([item["key"] for item in payload["items"]], case.items, strict=True))
    for item in payload["items"]:
        if item.get("custom"):
            set_case_field_values(
                session, account=account, actor=actor, case=case, values=item["custom"], item=case_items[item["key"]]
            )
    if payload.get("shipping"):
        record_shipping_choice(
            session, account=account, actor=actor, case=case, channel=channel, payload=payload["shipping"]
        )
    for photo in list(draft.photos):
        item = case_items.get(photo.item_key)
        add_attachment(
            session,
            account=account,
            actor=actor,
            case=case,
            storage=storage,
            filename=photo.filename,
            data=storage.read(photo.storage_key),
            item_id=item.id if item else None,
        )
        draft.photos.remove(photo)
        after_commit(session, _deleter(storage, photo.storage_key))
    draft.consumed_at = clock.now()
    draft.case_id = case.id
    session.flush()
    return case, True


#: Drafts one cleanup run deletes; the next run takes the rest.
PURGE_BATCH = 500


def purge_expired_drafts(session: Session, *, storage: FileStorage) -> int:
    """Delete up to ``PURGE_BATCH`` expired drafts (any account); their files go once the deletion commits.

    A system job, not a tenant's action: drafts are scratch space that no one owns after expiry.
    Photos of a consumed draft were already moved to its case, so only unconfirmed ones remain.
    """
    statement = select(CaseDraft).where(CaseDraft.expires_at <= clock.now()).order_by(CaseDraft.id).limit(PURGE_BATCH)
    if is_postgresql(session):
        statement = statement.with_for_update(skip_locked=True)
    drafts = list(session.scalars(statement))
    for draft in drafts:
        for photo in draft.photos:
            after_commit(session, _deleter(storage, photo.storage_key))
        session.delete(draft)
    session.flush()
    return len(drafts)
