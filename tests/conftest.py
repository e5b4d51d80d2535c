"""Shared test setup. Async tests run on the anyio plugin (``anyio_mode = "auto"``) with asyncio."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
