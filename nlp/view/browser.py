"""A headless Chromium driven by selenium, for the screenshots and the browser tests.

Debian's ``chromium`` and ``chromium-driver`` are used by path (``NLP_CHROMIUM`` and
``NLP_CHROMEDRIVER`` override), so Selenium Manager never runs and nothing is
downloaded; the browser starts with a fresh profile and every background network
feature off, and is only ever pointed at ``file://`` pages.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .errors import ViewError, ViewErrors

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-default-apps",
    "--disable-extensions",
    "--force-device-scale-factor=1",
    "--hide-scrollbars",
)


def chromium_paths() -> tuple[str | None, str | None]:
    """(browser, driver) executables, or None where not found."""
    browser = os.environ.get("NLP_CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None
    )
    driver = os.environ.get("NLP_CHROMEDRIVER") or shutil.which("chromedriver")
    return browser, driver


@contextmanager
def headless_chromium(width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A selenium ``webdriver.Chrome`` on Debian's Chromium; quit on exit."""
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        raise ViewError(ViewErrors.E906.format(detail=e)) from e
    browser, driver_path = chromium_paths()
    if not browser or not driver_path:
        raise ViewError(
            ViewErrors.E905.format(detail="chromium or chromedriver not found")
        )
    profile = tempfile.mkdtemp(prefix="nlp-view-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(options=options, service=Service(driver_path))
    except WebDriverException as e:
        shutil.rmtree(profile, ignore_errors=True)
        raise ViewError(ViewErrors.E905.format(detail=e.msg or e)) from e
    try:
        # The page area itself is width x height (the window's frame varies).
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_ready(driver: Any, timeout: float = 10.0) -> None:
    """Until the page's script has run and its fonts are loaded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = driver.execute_script(
            "return document.readyState === 'complete' && "
            "document.documentElement.getAttribute('data-view-ready') === '1' && "
            "(!document.fonts || document.fonts.status === 'loaded');"
        )
        if ready:
            return
        time.sleep(0.05)
    raise TimeoutError(f"page not ready after {timeout}s: {driver.current_url}")
