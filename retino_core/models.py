"""Imports every model module so ``Base.metadata`` is complete (for Alembic and the test schema)."""

from __future__ import annotations

from retino_core import jobs as jobs
from retino_core.accounts import models as accounts_models
from retino_core.case_types import models as case_types_models
from retino_core.cases import models as cases_models
from retino_core.channels import models as channels_models
from retino_core.custom_fields import models as custom_fields_models
from retino_core.db import Base
from retino_core.deadlines import models as deadlines_models
from retino_core.intake import models as intake_models
from retino_core.messaging import models as messaging_models
from retino_core.orders import models as orders_models
from retino_core.ratings import models as ratings_models
from retino_core.refunds import models as refunds_models
from retino_core.saved_filters import models as saved_filters_models
from retino_core.shipping import models as shipping_models
from retino_core.webhooks import models as webhooks_models
from retino_core.withdrawals import models as withdrawals_models

__all__ = [
    "Base",
    "accounts_models",
    "case_types_models",
    "cases_models",
    "channels_models",
    "custom_fields_models",
    "deadlines_models",
    "intake_models",
    "jobs",
    "messaging_models",
    "orders_models",
    "ratings_models",
    "refunds_models",
    "saved_filters_models",
    "shipping_models",
    "webhooks_models",
    "withdrawals_models",
]
