"""Refunds and credit notes through a case's sales channel, and the order notes we leave on the platform."""
