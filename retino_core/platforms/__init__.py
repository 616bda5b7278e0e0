"""The port to e-commerce platforms: one narrow Protocol, dataclasses in and out, a registry."""
