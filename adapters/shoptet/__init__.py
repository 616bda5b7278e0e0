"""Shoptet adapter: maps Shoptet API orders to core snapshots and verifies Shoptet webhook signatures.

Shoptet is the Czech/Slovak e-shop platform; the app is installed as an addon. Order intake is a
webhook (``order:create``/``order:update``) followed by ``GET /api/orders/{code}``.
"""
