"""The public certificate page of a channel's shop: ``/storefront/<public_id>/certificate``.

The badge links here. The page states the shop's "Effortless returns" certificate as last
computed by the nightly job, with the figures it was computed from (satisfied share, number of
ratings, the period, when) and the rule, in the shopper's language. It may be framed by the
shop's own domains (the badge opens it in the widget) or opened top-level; it takes no input.
"""

from __future__ import annotations

from typing import Any

from flask import g, render_template
from flask_babel import format_date, format_datetime, format_percent, get_locale

from marketplace_app.database import db
from marketplace_app.storefront import blueprint
from marketplace_app.storefront.i18n import lazy_gettext
from retino_core.cases.statistics import (
    CERTIFICATE_AWARD_PERCENT,
    CERTIFICATE_KEEP_PERCENT,
    CERTIFICATE_MINIMUM_RATINGS,
)
from retino_core.ratings.models import CertificateState
from retino_core.ratings.queries import current_certificate

STATE_TEXTS = {
    CertificateState.earned: lazy_gettext("This shop holds the Effortless returns certificate."),
    CertificateState.suspended: lazy_gettext("This shop's Effortless returns certificate is suspended."),
    CertificateState.not_earned: lazy_gettext("This shop does not hold the Effortless returns certificate."),
}


@blueprint.get("/storefront/<public_id>/certificate")
def certificate() -> Any:
    """The certificate's state and the figures behind it; a shop never computed shows "not held" and no figures."""
    view = current_certificate(db(), g.account.id)
    branding = g.account.branding_for(str(get_locale() or "en"))
    return render_template(
        "storefront/certificate.html",
        shop_name=branding.shop_name if branding else g.account.name,
        certificate=view,
        state_text=STATE_TEXTS[view.state],
        share=format_percent(view.share, "#,##0.#%") if view.share is not None else "",
        period_start=format_date(view.period_start, "long") if view.period_start else "",
        period_end=format_date(view.period_end, "long") if view.period_end else "",
        computed_at=format_datetime(view.computed_at, "medium") if view.computed_at else "",
        minimum=CERTIFICATE_MINIMUM_RATINGS,
        award=CERTIFICATE_AWARD_PERCENT,
        keep=CERTIFICATE_KEEP_PERCENT,
    )
