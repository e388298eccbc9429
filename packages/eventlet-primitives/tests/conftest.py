"""Shared fixtures: every test runs on a fresh hub, so one test's leftovers cannot leak."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eventlet import hubs


@pytest.fixture(autouse=True)
def fresh_hub() -> Iterator[None]:
    hubs.use_hub()  # the next get_hub() makes a new hub
    yield
    hub = hubs.get_hub()
    hubs.use_hub()
    hub.close()
