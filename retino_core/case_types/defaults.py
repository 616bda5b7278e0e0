"""The processes every new account starts with, as data, and the rule that derives their transitions.

Seed 004 (MassTrade) adds "Missing item" for B2B deliveries next to Retino's Return and
Complaint; Withdrawal is the statutory 14-day right, which since 19 June 2026 every shop must
offer as a function.

Each type also brings the reasons a shopper picks for an item. A withdrawal has none on purpose:
the consumer withdraws without giving a reason (Directive 2011/83/EU, art. 9), so its form must
not ask for one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from retino_core.accounts.models import Account
from retino_core.case_types.models import (
    CaseKind,
    CaseReason,
    CaseStatus,
    CaseType,
    ProcessStep,
    StatusTransition,
)

Names = dict[str, str]


@dataclass(frozen=True)
class StatusSpec:
    code: str
    names: Names
    color: str


@dataclass(frozen=True)
class StepSpec:
    code: str
    names: Names
    statuses: tuple[StatusSpec, ...]


@dataclass(frozen=True)
class ReasonSpec:
    code: str
    names: Names


@dataclass(frozen=True)
class CaseTypeSpec:
    code: str
    kind: CaseKind
    names: Names
    color: str
    number_prefix: str
    steps: tuple[StepSpec, ...]
    policy_window_days: int | None = None
    handling_target_days: int | None = None
    is_public: bool = True
    #: The reasons offered for an item, in the order shown.
    reasons: tuple[ReasonSpec, ...] = ()


NEW = StatusSpec("new", {"cs": "Nový", "sk": "Nový", "pl": "Nowy", "en": "New", "de": "Neu", "hu": "Új"}, "#3b82f6")
AWAITING_GOODS = StatusSpec(
    "awaiting_goods",
    {
        "cs": "Čeká na zboží",
        "sk": "Čaká na tovar",
        "pl": "Oczekuje na towar",
        "en": "Waiting for goods",
        "de": "Warten auf Ware",
        "hu": "Áru beérkezésére vár",
    },
    "#f59e0b",
)
GOODS_RECEIVED = StatusSpec(
    "goods_received",
    {
        "cs": "Zboží přijato",
        "sk": "Tovar prijatý",
        "pl": "Towar przyjęty",
        "en": "Goods received",
        "de": "Ware erhalten",
        "hu": "Áru beérkezett",
    },
    "#8b5cf6",
)
IN_REVIEW = StatusSpec(
    "in_review",
    {
        "cs": "Posuzuje se",
        "sk": "Posudzuje sa",
        "pl": "W rozpatrzeniu",
        "en": "Under review",
        "de": "In Prüfung",
        "hu": "Elbírálás alatt",
    },
    "#6366f1",
)
AT_SERVICE = StatusSpec(
    "at_service",
    {
        "cs": "V servisu",
        "sk": "V servise",
        "pl": "W serwisie",
        "en": "At service",
        "de": "Beim Service",
        "hu": "Szervizben",
    },
    "#0ea5e9",
)
INVESTIGATING = StatusSpec(
    "investigating",
    {
        "cs": "Prověřuje se",
        "sk": "Preveruje sa",
        "pl": "Weryfikacja",
        "en": "Investigating",
        "de": "Wird geprüft",
        "hu": "Vizsgálat alatt",
    },
    "#6366f1",
)
APPROVED_REFUND = StatusSpec(
    "approved_refund",
    {
        "cs": "Schváleno – refundace",
        "sk": "Schválené – refundácia",
        "pl": "Zaakceptowany – zwrot pieniędzy",
        "en": "Approved – refund",
        "de": "Genehmigt – Erstattung",
        "hu": "Jóváhagyva – visszatérítés",
    },
    "#16a34a",
)
APPROVED_DISCOUNT = StatusSpec(
    "approved_discount",
    {
        "cs": "Schváleno – sleva",
        "sk": "Schválené – zľava",
        "pl": "Zaakceptowany – obniżka ceny",
        "en": "Approved – discount",
        "de": "Genehmigt – Preisnachlass",
        "hu": "Jóváhagyva – árengedmény",
    },
    "#22c55e",
)
REPAIRED = StatusSpec(
    "repaired",
    {"cs": "Opraveno", "sk": "Opravené", "pl": "Naprawiony", "en": "Repaired", "de": "Repariert", "hu": "Megjavítva"},
    "#15803d",
)
REPLACED = StatusSpec(
    "replaced",
    {"cs": "Vyměněno", "sk": "Vymenené", "pl": "Wymieniony", "en": "Replaced", "de": "Ersetzt", "hu": "Kicserélve"},
    "#15803d",
)
REFUNDED = StatusSpec(
    "refunded",
    {
        "cs": "Peníze vráceny",
        "sk": "Peniaze vrátené",
        "pl": "Pieniądze zwrócone",
        "en": "Refunded",
        "de": "Erstattet",
        "hu": "Visszatérítve",
    },
    "#16a34a",
)
MISSING_ITEM_SENT = StatusSpec(
    "missing_item_sent",
    {
        "cs": "Chybějící zboží odesláno",
        "sk": "Chýbajúci tovar odoslaný",
        "pl": "Brakujący towar wysłany",
        "en": "Missing item sent",
        "de": "Fehlender Artikel versandt",
        "hu": "Hiányzó termék elküldve",
    },
    "#16a34a",
)
REJECTED = StatusSpec(
    "rejected",
    {"cs": "Zamítnuto", "sk": "Zamietnuté", "pl": "Odrzucony", "en": "Rejected", "de": "Abgelehnt", "hu": "Elutasítva"},
    "#dc2626",
)
CANCELLED = StatusSpec(
    "cancelled",
    {"cs": "Zrušeno", "sk": "Zrušené", "pl": "Anulowany", "en": "Cancelled", "de": "Storniert", "hu": "Visszavonva"},
    "#6b7280",
)

STEP_NEW = {"cs": "Nový", "sk": "Nový", "pl": "Nowy", "en": "New", "de": "Neu", "hu": "Új"}
STEP_WAITING = {
    "cs": "Čeká na zboží",
    "sk": "Čaká na tovar",
    "pl": "Oczekiwanie na towar",
    "en": "Waiting for goods",
    "de": "Warten auf Ware",
    "hu": "Várakozás az árura",
}
STEP_RECEIVED = {
    "cs": "Zboží přijato",
    "sk": "Tovar prijatý",
    "pl": "Towar przyjęty",
    "en": "Goods received",
    "de": "Ware erhalten",
    "hu": "Áru beérkezett",
}
STEP_DECISION = {
    "cs": "Rozhodnutí",
    "sk": "Rozhodnutie",
    "pl": "Decyzja",
    "en": "Decision",
    "de": "Entscheidung",
    "hu": "Döntés",
}
STEP_RESOLVED = {
    "cs": "Vyřízeno",
    "sk": "Vybavené",
    "pl": "Zakończony",
    "en": "Resolved",
    "de": "Erledigt",
    "hu": "Lezárva",
}


WRONG_SIZE = ReasonSpec(
    "wrong_size",
    {
        "cs": "Nesedí velikost",
        "sk": "Nesedí veľkosť",
        "pl": "Nieodpowiedni rozmiar",
        "en": "Wrong size or fit",
        "de": "Falsche Größe, passt nicht",
        "hu": "Nem megfelelő méret",
    },
)
NOT_AS_DESCRIBED = ReasonSpec(
    "not_as_described",
    {
        "cs": "Vypadá jinak než na fotce nebo v popisu",
        "sk": "Vyzerá inak ako na fotke alebo v popise",
        "pl": "Wygląda inaczej niż na zdjęciu lub w opisie",
        "en": "Looks different from the photo or description",
        "de": "Sieht anders aus als auf dem Foto oder in der Beschreibung",
        "hu": "Másképp néz ki, mint a fotón vagy a leírásban",
    },
)
CHANGED_MIND = ReasonSpec(
    "changed_mind",
    {
        "cs": "Rozmyslel(a) jsem si to",
        "sk": "Rozmyslel(a) som si to",
        "pl": "Zmiana decyzji",
        "en": "Changed my mind",
        "de": "Ich habe es mir anders überlegt",
        "hu": "Meggondoltam magam",
    },
)
ORDERED_BY_MISTAKE = ReasonSpec(
    "ordered_by_mistake",
    {
        "cs": "Objednáno omylem nebo dvakrát",
        "sk": "Objednané omylom alebo dvakrát",
        "pl": "Zamówione przez pomyłkę lub podwójnie",
        "en": "Ordered by mistake or twice",
        "de": "Versehentlich oder doppelt bestellt",
        "hu": "Tévedésből vagy kétszer rendeltem",
    },
)
DAMAGED_IN_TRANSPORT = ReasonSpec(
    "damaged_in_transport",
    {
        "cs": "Zboží dorazilo poškozené",
        "sk": "Tovar prišiel poškodený",
        "pl": "Towar dotarł uszkodzony",
        "en": "Arrived damaged",
        "de": "Beschädigt angekommen",
        "hu": "Sérülten érkezett",
    },
)
WRONG_ITEM = ReasonSpec(
    "wrong_item",
    {
        "cs": "Přišlo jiné zboží, než jsem objednal(a)",
        "sk": "Prišiel iný tovar, než som objednal(a)",
        "pl": "Otrzymano inny towar niż zamówiony",
        "en": "Wrong item delivered",
        "de": "Falscher Artikel geliefert",
        "hu": "Nem a megrendelt terméket kaptam",
    },
)
DEFECT = ReasonSpec(
    "defect",
    {
        "cs": "Vada nebo nefunkčnost",
        "sk": "Vada alebo nefunkčnosť",
        "pl": "Produkt wadliwy lub niedziałający",
        "en": "Defective or not working",
        "de": "Defekt oder funktioniert nicht",
        "hu": "Hibás vagy nem működik",
    },
)
MISSING_PART = ReasonSpec(
    "missing_part",
    {
        "cs": "Chybí díl nebo příslušenství",
        "sk": "Chýba diel alebo príslušenstvo",
        "pl": "Brak części lub akcesoriów",
        "en": "Missing part or accessory",
        "de": "Teil oder Zubehör fehlt",
        "hu": "Hiányzó alkatrész vagy tartozék",
    },
)
NOT_AS_ORDERED = ReasonSpec(
    "not_as_ordered",
    {
        "cs": "Neodpovídá objednávce",
        "sk": "Nezodpovedá objednávke",
        "pl": "Niezgodny z zamówieniem",
        "en": "Does not match the order",
        "de": "Entspricht nicht der Bestellung",
        "hu": "Nem felel meg a rendelésnek",
    },
)
MISSING_FROM_PARCEL = ReasonSpec(
    "missing_from_parcel",
    {
        "cs": "Zboží v balíku chybělo",
        "sk": "Tovar v balíku chýbal",
        "pl": "Brak towaru w paczce",
        "en": "Item missing from the parcel",
        "de": "Artikel fehlte im Paket",
        "hu": "A termék hiányzott a csomagból",
    },
)


def _intake_steps() -> tuple[StepSpec, ...]:
    return (
        StepSpec("new", STEP_NEW, (NEW,)),
        StepSpec("waiting_for_goods", STEP_WAITING, (AWAITING_GOODS,)),
        StepSpec("goods_received", STEP_RECEIVED, (GOODS_RECEIVED,)),
    )


DEFAULT_CASE_TYPES: tuple[CaseTypeSpec, ...] = (
    CaseTypeSpec(
        code="return",
        kind=CaseKind.return_,
        names={
            "cs": "Vratka",
            "sk": "Vrátenie",
            "pl": "Zwrot",
            "en": "Return",
            "de": "Rücksendung",
            "hu": "Visszaküldés",
        },
        color="#2563eb",
        number_prefix="V",
        policy_window_days=30,
        steps=(
            *_intake_steps(),
            StepSpec("decision", STEP_DECISION, (IN_REVIEW,)),
            StepSpec("resolved", STEP_RESOLVED, (APPROVED_REFUND, REJECTED, CANCELLED)),
        ),
        reasons=(WRONG_SIZE, NOT_AS_DESCRIBED, CHANGED_MIND, ORDERED_BY_MISTAKE, DAMAGED_IN_TRANSPORT, WRONG_ITEM),
    ),
    CaseTypeSpec(
        code="complaint",
        kind=CaseKind.complaint,
        names={
            "cs": "Reklamace",
            "sk": "Reklamácia",
            "pl": "Reklamacja",
            "en": "Complaint",
            "de": "Reklamation",
            "hu": "Reklamáció",
        },
        color="#dc2626",
        number_prefix="R",
        steps=(
            *_intake_steps(),
            StepSpec("decision", STEP_DECISION, (IN_REVIEW, AT_SERVICE)),
            StepSpec(
                "resolved",
                STEP_RESOLVED,
                (REPAIRED, REPLACED, APPROVED_REFUND, APPROVED_DISCOUNT, REJECTED, CANCELLED),
            ),
        ),
        reasons=(DEFECT, DAMAGED_IN_TRANSPORT, MISSING_PART, NOT_AS_ORDERED),
    ),
    CaseTypeSpec(
        code="withdrawal",
        kind=CaseKind.withdrawal,
        names={
            "cs": "Odstoupení od smlouvy",
            "sk": "Odstúpenie od zmluvy",
            "pl": "Odstąpienie od umowy",
            "en": "Withdrawal",
            "de": "Widerruf",
            "hu": "Elállás",
        },
        color="#7c3aed",
        number_prefix="O",
        steps=(
            *_intake_steps(),
            StepSpec("resolved", STEP_RESOLVED, (REFUNDED, REJECTED, CANCELLED)),
        ),
    ),
    CaseTypeSpec(
        code="missing_item",
        kind=CaseKind.custom,
        names={
            "cs": "Chybějící zboží",
            "sk": "Chýbajúci tovar",
            "pl": "Brak w zamówieniu",
            "en": "Missing item",
            "de": "Fehlender Artikel",
            "hu": "Hiányzó termék",
        },
        color="#d97706",
        number_prefix="M",
        policy_window_days=14,
        handling_target_days=5,
        steps=(
            StepSpec("new", STEP_NEW, (NEW,)),
            StepSpec("decision", STEP_DECISION, (INVESTIGATING,)),
            StepSpec("resolved", STEP_RESOLVED, (MISSING_ITEM_SENT, APPROVED_REFUND, REJECTED, CANCELLED)),
        ),
        reasons=(MISSING_FROM_PARCEL,),
    ),
)

#: The status every open case may be cancelled into.
CANCEL_STATUS_CODE = CANCELLED.code
#: The default reasons per default type code, for seeding accounts made before reasons existed.
DEFAULT_REASONS: dict[str, tuple[ReasonSpec, ...]] = {spec.code: spec.reasons for spec in DEFAULT_CASE_TYPES}


def derive_transitions(steps: tuple[StepSpec, ...]) -> list[tuple[str, str]]:
    """The default edges of a process, written once so every seeded type follows the same rule.

    From any status a case may move to a sibling in its step, to any status of a later step
    (a shopper may bring the goods in person, skipping "waiting"), or back one step (to undo a
    slip). Any open status may be cancelled. A resolved case may be reopened into the first
    status of the step before resolution. Merchants edit the resulting rows, not this rule.
    """
    edges: list[tuple[str, str]] = []
    last = len(steps) - 1
    for index, step in enumerate(steps):
        for status in step.statuses:
            targets: list[str] = []
            if index == last:
                targets.append(steps[last - 1].statuses[0].code)
            else:
                targets += [s.code for s in step.statuses if s.code != status.code]
                for later in steps[index + 1 :]:
                    targets += [s.code for s in later.statuses]
                if index > 0:
                    targets += [s.code for s in steps[index - 1].statuses]
            edges += [(status.code, target) for target in targets if target != status.code]
    return list(dict.fromkeys(edges))


def create_case_type(session: Session, account: Account, spec: CaseTypeSpec, position: int = 0) -> CaseType:
    case_type = CaseType(
        account_id=account.id,
        code=spec.code,
        kind=spec.kind,
        names=dict(spec.names),
        color=spec.color,
        number_prefix=spec.number_prefix,
        policy_window_days=spec.policy_window_days,
        handling_target_days=spec.handling_target_days,
        position=position,
        is_public=spec.is_public,
    )
    session.add(case_type)
    session.flush()
    by_code: dict[str, CaseStatus] = {}
    status_position = 0
    last = len(spec.steps) - 1
    for step_position, step_spec in enumerate(spec.steps):
        step = ProcessStep(
            account_id=account.id,
            case_type_id=case_type.id,
            code=step_spec.code,
            names=dict(step_spec.names),
            position=step_position,
        )
        session.add(step)
        session.flush()
        for status_spec in step_spec.statuses:
            status = CaseStatus(
                account_id=account.id,
                case_type_id=case_type.id,
                step_id=step.id,
                code=status_spec.code,
                names=dict(status_spec.names),
                color=status_spec.color,
                position=status_position,
                is_closing=step_position == last,
            )
            status_position += 1
            session.add(status)
            by_code[status_spec.code] = status
    session.flush()
    for from_code, to_code in derive_transitions(spec.steps):
        session.add(
            StatusTransition(
                account_id=account.id,
                case_type_id=case_type.id,
                from_status_id=by_code[from_code].id,
                to_status_id=by_code[to_code].id,
            )
        )
    case_type.initial_status_id = by_code[spec.steps[0].statuses[0].code].id
    for position, reason_spec in enumerate(spec.reasons):
        session.add(
            CaseReason(
                account_id=account.id,
                case_type_id=case_type.id,
                code=reason_spec.code,
                names=dict(reason_spec.names),
                position=position,
            )
        )
    session.flush()
    return case_type


def seed_default_case_types(session: Session, account: Account) -> list[CaseType]:
    return [create_case_type(session, account, spec, position) for position, spec in enumerate(DEFAULT_CASE_TYPES)]


def default_reason_rows(
    *,
    account_id: int,
    case_type_id: int,
    type_code: str,
    existing_codes: Collection[str] = (),
    start_position: int = 0,
) -> list[dict[str, Any]]:
    """Column values of the default reasons of the type ``type_code`` that it does not have yet.

    Plain dicts (``account_id``, ``case_type_id``, ``code``, ``names``, ``position``,
    ``is_retired``), so a data migration can insert them without the ORM. Codes in
    ``existing_codes`` are skipped; the rest are numbered from ``start_position`` in default order.
    A type code without defaults (a withdrawal, a merchant's own type) gives no rows.
    """
    rows: list[dict[str, Any]] = []
    for spec in DEFAULT_REASONS.get(type_code, ()):
        if spec.code in existing_codes:
            continue
        rows.append(
            {
                "account_id": account_id,
                "case_type_id": case_type_id,
                "code": spec.code,
                "names": dict(spec.names),
                "position": start_position + len(rows),
                "is_retired": False,
            }
        )
    return rows


def seed_default_reasons(session: Session, account: Account) -> list[CaseReason]:
    """Give an existing account's default types the default reasons they lack; running it again adds nothing.

    Types are matched by code (``return``, ``complaint``, ``missing_item``); a reason code the
    type already has, retired or not, is left as the merchant keeps it, and the missing ones go
    after the type's own reasons.
    """
    added: list[CaseReason] = []
    types = session.scalars(CaseType.select_for_account(account.id).where(CaseType.code.in_(list(DEFAULT_REASONS))))
    for case_type in types:
        rows = default_reason_rows(
            account_id=account.id,
            case_type_id=case_type.id,
            type_code=case_type.code,
            existing_codes={reason.code for reason in case_type.reasons},
            start_position=max((reason.position for reason in case_type.reasons), default=-1) + 1,
        )
        for row in rows:
            reason = CaseReason(**row)
            case_type.reasons.append(reason)
            added.append(reason)
    session.flush()
    return added
