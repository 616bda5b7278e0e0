"""Saved inbox filters: a member's named views of the case list, private to them in one account."""
