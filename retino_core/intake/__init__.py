"""Shopper intake: the order lookup and the server-side draft a shopper fills in before a case is filed."""
