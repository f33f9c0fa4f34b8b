"""Playground fixtures: the `tingjian playground` process on the test database, and headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium import webdriver

from tests.playground.browser import NO_CJK_FONTCONFIG, ensure_chromium, start_chromium
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


@pytest.fixture
def browser_without_cjk_fonts(
    chromium: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium that sees none of the machine's Chinese, Japanese or Korean fonts,
    on a machine whose clock is in São Paulo (far from the operator's TIMEZONE, Asia/Shanghai)."""
    config = tmp_path_factory.mktemp("fonts") / "fonts.conf"
    config.write_text(NO_CJK_FONTCONFIG, encoding="utf-8")
    driver = start_chromium(config, timezone="America/Sao_Paulo")
    try:
        yield driver
    finally:
        driver.quit()
