"""Headless Debian Chromium driven by selenium; the test set-up installs chromium when it is missing.

The emoji font comes along so that the bot's emoji (📝, ✅) show in the screenshot as on a desktop;
the page's own icons are SVG and the Chinese font is served by the playground itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
NEEDED = {CHROMIUM: "chromium", CHROMEDRIVER: "chromium-driver", EMOJI_FONT: "fonts-noto-color-emoji"}
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,900",
    "--lang=zh-CN",
)


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", *args], capture_output=True, text=True, env=env, timeout=900)


def ensure_chromium() -> None:
    """Install Debian's chromium, chromium-driver (and emoji font) if missing; skip, saying why, when
    that is impossible (no apt-get, not root, apt-get failing)."""
    missing = [package for path, package in NEEDED.items() if not path.exists()]
    if not missing:
        return
    if shutil.which("apt-get") is None:
        pytest.skip(f"Debian packages {missing} are missing and apt-get is not available to install them")
    if os.geteuid() != 0:
        pytest.skip(f"Debian packages {missing} are missing; installing them needs root")
    for step in (("update",), ("install", "-y", "--no-install-recommends", *missing)):
        result = _apt(*step)
        if result.returncode != 0:
            pytest.skip(f"apt-get {' '.join(step)} failed, so no browser: {result.stderr.strip()[-400:]}")
    absent = [str(path) for path in NEEDED if not path.exists()]
    assert not absent, f"{missing} installed but {absent} are missing"


# The machine's fonts minus every font that has Chinese, Japanese or Korean: what a browser sees on
# a machine without CJK fonts, whatever this machine has installed.
NO_CJK_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
    <pattern><patelt name="lang"><string>zh-cn</string></patelt></pattern>
    <pattern><patelt name="lang"><string>zh-tw</string></patelt></pattern>
    <pattern><patelt name="lang"><string>ja</string></patelt></pattern>
    <pattern><patelt name="lang"><string>ko</string></patelt></pattern>
  </rejectfont></selectfont>
</fontconfig>
"""


def start_chromium(fontconfig: Path | None = None, timezone: str | None = None) -> webdriver.Chrome:
    """A headless Chromium WebDriver (the caller quits it); ``fontconfig`` replaces the font set,
    ``timezone`` the machine's time zone."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    # Selenium Manager would go to the network to look for drivers; Debian's is given explicitly.
    os.environ.setdefault("SE_OFFLINE", "true")
    env = dict(os.environ)
    if fontconfig:
        env["FONTCONFIG_FILE"] = str(fontconfig)
    if timezone:
        env["TZ"] = timezone
    return webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER), env=env))
