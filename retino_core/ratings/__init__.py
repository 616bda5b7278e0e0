"""Shopper ratings of closed cases and the "Effortless returns" certificate computed from them."""
