"""Allegro adapter: maps Allegro checkout forms (orders) to core snapshots.

Allegro has no webhooks; orders are found by polling ``GET /order/events`` and read with
``GET /order/checkout-forms/{id}``.
"""
