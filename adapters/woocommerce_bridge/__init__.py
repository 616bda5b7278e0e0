"""WooCommerce adapter: maps wc/v3 order JSON (REST or webhook body) to core snapshots and verifies webhooks.

Called a "bridge" because the storefront side lives in a companion WordPress plugin; this package
is the server side that talks to the shop's REST API and receives its webhooks.
"""
