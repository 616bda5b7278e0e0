"""The returns and complaints domain. Imports no web framework and no platform adapter."""
