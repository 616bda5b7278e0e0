"""The smoke suite for the embedded default: the same fixtures, on a SQLite file."""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder: Path = tmp_path_factory.mktemp("sqlite")
    return f"sqlite:///{folder / 'smoke.sqlite3'}"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url
