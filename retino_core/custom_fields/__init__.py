"""Merchant-defined, typed fields on cases and case items: definitions, links to case types, validated values."""
