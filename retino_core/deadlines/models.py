"""The clocks running on a case, one row per deadline kind, written by ``actions.attach_deadlines``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from retino_core.cases.models import Case
from retino_core.db import AccountScoped, Base, BigIntPK, Timestamped, enum_type
from retino_core.deadlines.rules import Consequence, DeadlineKind


class CaseDeadline(AccountScoped, Timestamped, Base):
    __tablename__ = "case_deadlines"
    __table_args__ = (
        UniqueConstraint("case_id", "kind"),
        Index("ix_case_deadlines_account_due", "account_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[DeadlineKind] = mapped_column(enum_type(DeadlineKind))
    #: When the deadline runs out: the end of the due day in the case country's time, in UTC.
    due_at: Mapped[datetime]
    #: The due date the rule gave; differs from ``due_at`` only after an extension.
    computed_due_at: Mapped[datetime]
    #: The rule that set the clock, e.g. "pl.complaint.resolve" or "merchant.handling_target".
    rule_code: Mapped[str] = mapped_column(String(64))
    #: The rule's version in force on the lodging day; a later change of the law leaves it alone.
    rule_version: Mapped[int] = mapped_column(Integer)
    #: What a miss means for the merchant (e.g. the complaint is deemed accepted).
    consequence: Mapped[Consequence] = mapped_column(enum_type(Consequence))
    is_extendable: Mapped[bool]
    #: When the merchant did what the deadline asks; met deadlines never count as overdue.
    met_at: Mapped[datetime | None]
    #: The legal provision or merchant setting behind the rule, for display and audits.
    source: Mapped[str] = mapped_column(Text)
    extended_at: Mapped[datetime | None]
    #: Who moved the due date last (the actor's label), empty if never extended.
    extended_by: Mapped[str] = mapped_column(String(200), default="")

    case: Mapped[Case] = relationship()

    @property
    def is_met(self) -> bool:
        return self.met_at is not None

    def is_overdue(self, now: datetime) -> bool:
        return self.met_at is None and self.due_at < now
