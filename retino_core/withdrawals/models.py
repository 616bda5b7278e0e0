"""The withdrawal statement: what the shopper declared, word for word, when they withdrew.

Art. 11a CRD asks the trader to acknowledge a withdrawal made through the withdrawal function
"on a durable medium", with its content and the date and time it was made. The acknowledgement
e-mail carries the text; this row keeps the very same text, its SHA-256 and the timestamp, so
the merchant can prove later what was declared and when. The row is written once and never
changed: there is no update path in the code, the ORM refuses a flush that would change it, and
on PostgreSQL a trigger refuses any ``UPDATE`` and a check constraint ties the hash to the text.
Deleting stays possible (the account or the case is deleted with everything it owns).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from retino_core.cases.models import Case
from retino_core.db import AccountScoped, Base, BigIntPK


class StatementImmutable(RuntimeError):
    """Raised when code tries to change a stored withdrawal statement."""


class WithdrawalStatement(AccountScoped, Base):
    __tablename__ = "withdrawal_statements"
    __table_args__ = (
        UniqueConstraint("account_id", "submission_key"),
        CheckConstraint("length(text_sha256) = 64", name="sha256_length"),
        CheckConstraint(
            "text_sha256 = encode(sha256(convert_to(statement_text, 'UTF8')), 'hex')", name="sha256_matches_text"
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    #: The moment of the withdrawal; also the case's ``lodged_at``, where the refund deadline starts.
    submitted_at: Mapped[datetime]
    #: The language the shopper read and confirmed the statement in.
    language: Mapped[str] = mapped_column(String(5))
    #: The statement exactly as shown to the shopper and sent in the acknowledgement e-mail.
    statement_text: Mapped[str] = mapped_column(Text)
    #: Hex SHA-256 of ``statement_text`` encoded as UTF-8.
    text_sha256: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the confirm form's one-time nonce: a double-submitted confirm finds this row.
    submission_key: Mapped[str] = mapped_column(String(64))

    case: Mapped[Case] = relationship()


@event.listens_for(WithdrawalStatement, "before_update")
def _refuse_update(mapper: Any, connection: Any, target: WithdrawalStatement) -> None:
    raise StatementImmutable(f"withdrawal statement {target.id} cannot be changed")


#: PostgreSQL: no UPDATE ever reaches a stored statement, whatever client sends it.
IMMUTABILITY_FUNCTION = DDL(
    "CREATE OR REPLACE FUNCTION withdrawal_statements_refuse_update() RETURNS trigger LANGUAGE plpgsql AS "
    "'BEGIN RAISE EXCEPTION ''withdrawal statements are immutable''; END'"
)
IMMUTABILITY_TRIGGER = DDL(
    "CREATE TRIGGER withdrawal_statements_no_update BEFORE UPDATE ON withdrawal_statements "
    "FOR EACH ROW EXECUTE FUNCTION withdrawal_statements_refuse_update()"
)
event.listen(WithdrawalStatement.__table__, "after_create", IMMUTABILITY_FUNCTION.execute_if(dialect="postgresql"))
event.listen(WithdrawalStatement.__table__, "after_create", IMMUTABILITY_TRIGGER.execute_if(dialect="postgresql"))
