"""The storefront widget's weight against its budgets: what every page of a merchant's shop pays for us.

A returns widget is a guest in the shop's page budget, and most shop pages never open it. So the
script every page loads (``widget.js``) must stay within **10 KB gzipped** (10,000 bytes, Shopify's
theme-check threshold for an app block's script) and the loader snippet the platform injects into
the page (the Shoptet template include, the WordPress plugin's footer) within **2 KB** as written
into the HTML (it is part of the page, not a file of its own; Shoptet allows 8,192 characters).
The portal itself loads only when the shopper opens it. Prints raw and gzipped sizes and the ratio
to each budget; exits non-zero when anything is over.
"""

from __future__ import annotations

import gzip
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDGET_SCRIPT = ROOT / "marketplace_app" / "storefront" / "static" / "widget.js"
SCRIPT_BUDGET = 10_000
SNIPPET_BUDGET = 2_000
#: A production-like address: an https host name and a channel public id of the real length (24 characters).
EXAMPLE_SCRIPT_URL = "https://returns.example-retino.com/storefront/" + "x" * 24 + "/widget.js"


@dataclass(frozen=True)
class Size:
    name: str
    raw: int
    gzipped: int
    #: Which of the two figures the budget applies to.
    measured: str
    budget: int

    @property
    def figure(self) -> int:
        return self.gzipped if self.measured == "gzip" else self.raw

    @property
    def ratio(self) -> float:
        return self.figure / self.budget


def gzipped_size(data: bytes) -> int:
    """What a server sends with gzip at the highest level (what CDNs and nginx ``gzip_static`` serve)."""
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def sizes() -> list[Size]:
    sys.path.insert(0, str(ROOT))
    from retino_core.channels.snippets import loader_snippet

    script = WIDGET_SCRIPT.read_bytes()
    snippet = loader_snippet(EXAMPLE_SCRIPT_URL, language="cs").encode()
    return [
        Size("widget.js", len(script), gzipped_size(script), "gzip", SCRIPT_BUDGET),
        Size("loader snippet", len(snippet), gzipped_size(snippet), "raw", SNIPPET_BUDGET),
    ]


def main() -> int:
    measured = sizes()
    print(f"{'':16} {'raw B':>8} {'gzip B':>8} {'budget B':>10} {'ratio':>7}")
    for size in measured:
        print(
            f"{size.name:16} {size.raw:8,} {size.gzipped:8,} {size.budget:>10,} "
            f"{size.ratio:7.2f}  ({size.measured} against the budget)"
        )
    over = [size.name for size in measured if size.figure > size.budget]
    if over:
        print("over budget: " + ", ".join(over))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
