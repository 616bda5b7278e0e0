"""Merchant accounts (tenants), users, roles and sales channels."""
