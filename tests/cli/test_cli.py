"""The `tingjian` command as an operator uses it (run as a real subprocess)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.survey_loader import default_survey_path
from storage.database import session_factory
from storage.models import SurveyRow, SurveyVersion
from tests.playground.process import playground_process


def tingjian(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN", "DATABASE_URL", "ADMIN_IDS"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=environment, timeout=120
    )


async def test_survey_load_stores_a_new_version_and_refuses_an_invalid_file(
    db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    custom = tmp_path / "branch.yaml"
    custom.write_text(
        default_survey_path().read_text(encoding="utf-8").replace("key: service_quality", "key: branch"),
        encoding="utf-8",
    )
    first = tingjian("survey", "load", str(custom), DATABASE_URL=database_url)
    assert first.returncode == 0, first.stderr
    assert "survey 'branch' stored as new version v1" in first.stdout
    again = tingjian("survey", "load", str(custom), DATABASE_URL=database_url)
    assert "unchanged; latest version is v1" in again.stdout

    broken = tmp_path / "broken.yaml"
    broken.write_text(custom.read_text(encoding="utf-8").replace("scale: importance", "scale: nope", 1))
    refused = tingjian("survey", "load", str(broken), DATABASE_URL=database_url)
    assert refused.returncode == 1
    assert f"{broken}:" in refused.stderr and "unknown scale 'nope'" in refused.stderr
    assert "nothing was stored" in refused.stderr
    async with session_factory(db)() as session:
        versions = await session.scalars(
            select(SurveyVersion.version).join(SurveyRow).where(SurveyRow.key == "branch")
        )
        assert list(versions) == [1]


def test_malformed_settings_stop_start_up_with_one_line_each() -> None:
    result = tingjian("run", BOT_TOKEN="not-a-token", ADMIN_IDS="12,abc")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert any("BOT_TOKEN" in line and "@BotFather" in line for line in lines)
    assert any("ADMIN_IDS" in line and "comma-separated" in line for line in lines)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DIGEST_TIME", "25:99", "setting DIGEST_TIME: '25:99' is not a time of day; use 24-hour HH:MM"),
        ("TIMEZONE", "Mars/Olympus", "setting TIMEZONE: unknown time zone 'Mars/Olympus'; use an IANA name"),
        ("TIMEZONE", "America", "setting TIMEZONE: unknown time zone 'America'; use an IANA name"),
        ("SLA_RESOLUTION_HOURS", "{high: 1", "setting SLA_RESOLUTION_HOURS: not valid JSON; e.g. "),
        ("SAMPLE_MARGIN", "5", "setting SAMPLE_MARGIN: Input should be less than 1"),
        ("EXPECTED_RESPONSE_RATE", "0", "setting EXPECTED_RESPONSE_RATE: Input should be greater than 0"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_the_fix(name: str, value: str, expected: str) -> None:
    result = tingjian("run", **{name: value})
    assert result.returncode == 2
    assert result.stderr.startswith(f"tingjian: {expected}")
    assert len(result.stderr.strip().splitlines()) == 1


def test_report_help_says_where_each_format_goes() -> None:
    result = tingjian("report", "--help")
    assert result.returncode == 0
    assert "text goes to the terminal" in " ".join(result.stdout.split())


def _open_and_forget(url: str) -> None:
    with contextlib.suppress(OSError):  # the server going away is the point
        urllib.request.urlopen(url, timeout=90).close()


def test_run_without_a_token_opens_the_playground_and_says_how_to_get_one(
    database_url: str, tmp_path: Path
) -> None:
    with playground_process(tmp_path, "run", "--port", "0", DATABASE_URL=database_url) as playground:
        line = playground.first_line
        assert line.startswith("No BOT_TOKEN is set") and "local playground" in line
        assert playground.url in line and "@BotFather" in line and "BOT_TOKEN=<token>" in line
        with urllib.request.urlopen(playground.url, timeout=10) as page:
            assert page.status == 200 and "听见" in page.read().decode()
        assert playground.process.poll() is None
        # A browser tab left open keeps a 60 s long poll waiting; Ctrl+C must not wait for it.
        waiting = f"{playground.url}_emulator/changes?since=999999&timeout=60"
        threading.Thread(target=_open_and_forget, args=(waiting,), daemon=True).start()
    assert playground.process.returncode == 0  # Ctrl+C stopped it cleanly, within the stop timeout


def test_run_refuses_a_database_that_is_behind(pg_server: str) -> None:
    import asyncio

    from tests.support.database import create_database, drop_database

    url = asyncio.run(create_database(pg_server, prefix="tingjian_behind"))
    try:
        result = tingjian("run", DATABASE_URL=url, BOT_TOKEN="123456:abcdefghijklmnop")
        assert result.returncode == 2, result.stderr
        assert "tingjian db upgrade" in result.stderr
        upgraded = tingjian("db", "upgrade", DATABASE_URL=url)
        assert upgraded.returncode == 0 and "upgraded" in upgraded.stdout
    finally:
        asyncio.run(drop_database(pg_server, url))
