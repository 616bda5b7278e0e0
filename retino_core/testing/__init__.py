"""Pytest plugin and factories shared by every test package."""
