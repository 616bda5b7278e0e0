"""Platform adapters: each subpackage translates one platform's API into the core's dataclasses."""
