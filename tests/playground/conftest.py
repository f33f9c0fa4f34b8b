"""Playground fixtures: the `tingjian playground` process on the test database, and headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver

from tests.playground.browser import ensure_chromium, start_chromium
from tests.playground.process import Playground, playground_process

CONFIGURED_ADMIN = 4242


@pytest.fixture(scope="module")
def playground(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    """`tingjian playground` on a free port, with DATABASE_URL pointing at the test database and one
    configured admin (CONFIGURED_ADMIN) besides the playground's own."""
    workdir = tmp_path_factory.mktemp("playground")
    with playground_process(
        workdir, "playground", "--port", "0", DATABASE_URL=database_url, ADMIN_IDS=str(CONFIGURED_ADMIN)
    ) as running:
        yield running


@pytest.fixture(scope="session")
def chromium() -> None:
    """Debian's chromium and chromium-driver, installed on first use."""
    ensure_chromium()


@pytest.fixture
def browser(chromium: None) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium."""
    driver = start_chromium()
    try:
        yield driver
    finally:
        driver.quit()
