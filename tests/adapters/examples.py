"""Read the stored platform examples in ``shared/specs`` (next to the repository) for the adapter tests."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

#: tests/adapters/examples.py → parents[2] is the repository root; the specs sit beside it.
SPECS_DIR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "specs").resolve()


def example_path(platform: str, name: str) -> Path:
    if not SPECS_DIR.is_dir():
        pytest.fail(
            f"Stored API examples not found: {SPECS_DIR} does not exist (expected shared/specs beside the repo)."
        )
    path = SPECS_DIR / platform / "examples" / name
    if not path.is_file():
        pytest.fail(f"Stored API example missing: {path}")
    return path


def example_bytes(platform: str, name: str) -> bytes:
    return example_path(platform, name).read_bytes()


def example_json(platform: str, name: str) -> Any:
    return json.loads(example_bytes(platform, name), parse_float=Decimal)
