"""Case types and their workflow, stored as rows so each merchant can shape their own process.

A type owns ordered process steps; each step groups coloured statuses; transitions list the
allowed status changes; reasons name why an item is returned or claimed. The only code that
moves a case between statuses is ``cases.actions.transition_case``, which consults these rows.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from retino_core.db import AccountScoped, Base, BigIntPK, Timestamped, enum_type
from retino_core.i18n import localized


class CaseKind(Enum):
    #: Voluntary return under the shop's own policy.
    return_ = "return"
    #: Statutory claim for lack of conformity (reklamace): statutory deadlines apply.
    complaint = "complaint"
    #: Commercial guarantee beyond the statutory right.
    warranty = "warranty"
    #: Statutory 14-day distance-sale withdrawal (odstoupení od smlouvy).
    withdrawal = "withdrawal"
    #: Anything else the merchant defines (e.g. a missing item in a delivery).
    custom = "custom"


class CaseType(AccountScoped, Timestamped, Base):
    __tablename__ = "case_types"
    __table_args__ = (UniqueConstraint("account_id", "code"), UniqueConstraint("account_id", "number_prefix"))

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    #: Stable identifier used by the storefront, the API and automations.
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[CaseKind] = mapped_column(enum_type(CaseKind))
    #: Name per language code, e.g. {"cs": "Reklamace", "en": "Complaint"}.
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    color: Mapped[str] = mapped_column(String(7))
    #: Case numbers of this type are the prefix followed by a per-account, per-prefix sequence.
    number_prefix: Mapped[str] = mapped_column(String(10))
    initial_status_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("case_statuses.id", use_alter=True, ondelete="SET NULL")
    )
    #: The shop accepts cases of this type up to this many days after delivery (merchant policy).
    policy_window_days: Mapped[int | None] = mapped_column(Integer)
    #: The merchant's own target for resolving a case, in days from creation.
    handling_target_days: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Offered to shoppers in the storefront form (otherwise admin-only).
    is_public: Mapped[bool] = mapped_column(default=True)

    steps: Mapped[list[ProcessStep]] = relationship(
        back_populates="case_type", order_by="ProcessStep.position", cascade="all, delete-orphan"
    )
    statuses: Mapped[list[CaseStatus]] = relationship(
        back_populates="case_type",
        order_by="CaseStatus.position",
        foreign_keys="CaseStatus.case_type_id",
        cascade="all, delete-orphan",
    )
    transitions: Mapped[list[StatusTransition]] = relationship(cascade="all, delete-orphan")
    initial_status: Mapped[CaseStatus | None] = relationship(foreign_keys=[initial_status_id], post_update=True)
    field_links: Mapped[list[CaseTypeField]] = relationship(
        order_by="CaseTypeField.position", cascade="all, delete-orphan"
    )
    reasons: Mapped[list[CaseReason]] = relationship(
        back_populates="case_type", order_by="CaseReason.position", cascade="all, delete-orphan"
    )

    def name(self, language: str) -> str:
        return localized(self.names, language)

    def status_by_code(self, code: str) -> CaseStatus | None:
        return next((status for status in self.statuses if status.code == code), None)

    def reason_by_code(self, code: str) -> CaseReason | None:
        return next((reason for reason in self.reasons if reason.code == code), None)

    @property
    def offered_reasons(self) -> list[CaseReason]:
        """The reasons a new item may carry, in order: every reason that is not retired."""
        return [reason for reason in self.reasons if not reason.is_retired]


class ProcessStep(AccountScoped, Base):
    __tablename__ = "process_steps"
    __table_args__ = (UniqueConstraint("case_type_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_type_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer)

    case_type: Mapped[CaseType] = relationship(back_populates="steps")
    statuses: Mapped[list[CaseStatus]] = relationship(back_populates="step", order_by="CaseStatus.position")

    def name(self, language: str) -> str:
        return localized(self.names, language)


class CaseStatus(AccountScoped, Base):
    __tablename__ = "case_statuses"
    __table_args__ = (UniqueConstraint("case_type_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_type_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("process_steps.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    color: Mapped[str] = mapped_column(String(7))
    position: Mapped[int] = mapped_column(Integer)
    #: Entering this status closes the case (and triggers the "case closed, rate us" e-mail).
    is_closing: Mapped[bool] = mapped_column(default=False)
    #: Switched off by the merchant: no longer a transition target nor an initial status, but cases
    #: already in it keep working and may leave it. A status any case has used is retired, not deleted.
    is_retired: Mapped[bool] = mapped_column(default=False)

    case_type: Mapped[CaseType] = relationship(back_populates="statuses", foreign_keys=[case_type_id])
    step: Mapped[ProcessStep] = relationship(back_populates="statuses")

    def name(self, language: str) -> str:
        return localized(self.names, language)


class StatusTransition(AccountScoped, Base):
    """One allowed edge of a type's workflow: a case in ``from_status`` may move to ``to_status``."""

    __tablename__ = "status_transitions"
    __table_args__ = (UniqueConstraint("from_status_id", "to_status_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_type_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    from_status_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("case_statuses.id", ondelete="CASCADE"))
    to_status_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("case_statuses.id", ondelete="CASCADE"))


class CaseTypeField(AccountScoped, Base):
    """A custom field used by a case type, with whether it must be filled in."""

    __tablename__ = "case_type_fields"
    __table_args__ = (UniqueConstraint("case_type_id", "field_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_type_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    field_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("custom_field_definitions.id", ondelete="CASCADE"), index=True
    )
    is_required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def as_dict(self) -> dict[str, Any]:
        return {"field_id": self.field_id, "is_required": self.is_required, "position": self.position}


class CaseReason(AccountScoped, Base):
    """Why an item is returned or claimed, offered per case type in the admin and the storefront.

    Items store the ``code`` (``CaseItem.reason``), so renaming a reason renames it everywhere.
    A reason items already use is retired, never deleted: it is no longer offered, but items that
    carry it stay valid and still show its name.
    """

    __tablename__ = "case_reasons"
    __table_args__ = (UniqueConstraint("case_type_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_type_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    #: Stable identifier stored on items and used by the storefront, the API and automations.
    code: Mapped[str] = mapped_column(String(64))
    #: Name per language code, e.g. {"cs": "Nesedí velikost", "en": "Wrong size or fit"}.
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: Switched off by the merchant: no longer offered nor accepted on new items; old items keep it.
    is_retired: Mapped[bool] = mapped_column(default=False)

    case_type: Mapped[CaseType] = relationship(back_populates="reasons")

    def name(self, language: str) -> str:
        return localized(self.names, language)
