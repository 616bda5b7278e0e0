"""A shopper's rating of one closed case, and the nightly certificate snapshots computed from ratings.

Ratings are the certificate's history: each snapshot stores the figures it was computed from, so
the public certificate page and the admin can show exactly why a shop holds the badge or not.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from retino_core.db import AccountScoped, Base, BigIntPK, enum_type

#: A share of satisfied ratings between 0 and 1 with four decimals (0.9000 is 90 %).
ShareColumn = Numeric(5, 4, asdecimal=True)


class Rating(AccountScoped, Base):
    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        Index("ix_ratings_account_id_created_at", "account_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    #: One rating per case, ever: the shopper cannot rate twice or change it later.
    case_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    #: 1 (very unhappy) to 5 (very happy); 4 and 5 count as satisfied for the certificate.
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: The language the shopper rated in (the case's or the page's).
    language: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime]


class CertificateState(Enum):
    #: The shop holds the badge.
    earned = "earned"
    #: The shop held the badge, but its satisfied share fell below the keep threshold (or too few ratings are left).
    suspended = "suspended"
    #: The shop has never held the badge, or has not earned it back.
    not_earned = "not_earned"


class CertificateSnapshot(AccountScoped, Base):
    """One nightly computation of the certificate for one account; the rows in order are its history.

    At most one row per account and UTC day (``computed_on``): running the job again the same day
    replaces that day's row with the same figures, so the job is idempotent per day.
    """

    __tablename__ = "certificate_snapshots"
    __table_args__ = (UniqueConstraint("account_id", "computed_on"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    computed_at: Mapped[datetime]
    #: The UTC date of ``computed_at``; one snapshot per account and day.
    computed_on: Mapped[date] = mapped_column(Date)
    #: Ratings created in ``[period_start, period_end)`` were counted.
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    ratings_count: Mapped[int] = mapped_column(Integer)
    satisfied_count: Mapped[int] = mapped_column(Integer)
    #: ``satisfied_count / ratings_count`` cut to four decimals; None without any rating.
    share: Mapped[Decimal | None] = mapped_column(ShareColumn)
    state: Mapped[CertificateState] = mapped_column(enum_type(CertificateState))
