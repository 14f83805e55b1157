"""Fixtures for the web UI tests: a real `cairn server` (one per test file),
data logged by the official client, and a real headless browser driven over
WebDriver: Chromium (Debian's `chromium` and `chromium-driver`) by default,
Firefox (Debian's `firefox-esr` and geckodriver) with CAIRN_BROWSER=firefox.
`scripts/test` runs the suite once in each.

Screenshots of the pages go to `target/ui-screenshots/` (CAIRN_SCREENSHOTS
overrides) so a reviewer can look at them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.firefox.service import Service as FirefoxService
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

# The official-client suite's server fixtures, loaded under their own name
# (both files are called conftest.py).
_spec = importlib.util.spec_from_file_location(
    "cairn_e2e", Path(__file__).resolve().parents[1] / "python" / "conftest.py"
)
cairn_e2e = importlib.util.module_from_spec(_spec)
sys.modules["cairn_e2e"] = cairn_e2e
_spec.loader.exec_module(cairn_e2e)
ADMIN_KEY, ROOT, CairnServer = cairn_e2e.ADMIN_KEY, cairn_e2e.ROOT, cairn_e2e.CairnServer
start_server, wandb_env = cairn_e2e.start_server, cairn_e2e.wandb_env

SCREENSHOTS = Path(os.environ.get("CAIRN_SCREENSHOTS", ROOT / "target" / "ui-screenshots"))
CHROMIUM = os.environ.get("CAIRN_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CAIRN_CHROMEDRIVER", "/usr/bin/chromedriver")
BROWSER = os.environ.get("CAIRN_BROWSER", "chromium")
FIREFOX = os.environ.get("CAIRN_FIREFOX", "/usr/bin/firefox-esr")
# `cargo install geckodriver` puts it in ~/.cargo/bin (`.ci/run` does).
GECKODRIVER = os.environ.get("CAIRN_GECKODRIVER") or shutil.which("geckodriver") or "geckodriver"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> CairnServer:
    server = start_server(tmp_path_factory.mktemp("cairn-data"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def wandb_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("wandb")


def new_browser() -> webdriver.Remote:
    """A fresh headless browser of the kind CAIRN_BROWSER names, at a
    desktop width."""
    if BROWSER == "firefox":
        driver = new_firefox()
    elif BROWSER == "chromium":
        driver = new_chromium()
    else:
        raise ValueError(f"CAIRN_BROWSER must be chromium or firefox, not {BROWSER!r}")
    driver.set_window_size(1400, 1000)
    driver.set_page_load_timeout(30)
    return driver


def new_chromium() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=ChromeService(CHROMEDRIVER), options=options)


def new_firefox() -> webdriver.Firefox:
    options = webdriver.FirefoxOptions()
    options.binary_location = FIREFOX
    options.add_argument("-headless")
    # Nothing but the server under test: no update, telemetry or
    # safe-browsing requests.
    for pref, value in (
        ("app.update.enabled", False),
        ("datareporting.policy.dataSubmissionEnabled", False),
        ("toolkit.telemetry.enabled", False),
        ("browser.safebrowsing.malware.enabled", False),
        ("browser.safebrowsing.phishing.enabled", False),
        ("network.captive-portal-service.enabled", False),
    ):
        options.set_preference(pref, value)
    return webdriver.Firefox(service=FirefoxService(GECKODRIVER), options=options)


@pytest.fixture(scope="module")
def browser():
    driver = new_browser()
    yield driver
    driver.quit()


def wait_for(driver, css: str, timeout: float = 15):
    """The first element matching `css`, once it is there."""
    return WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def click_through(driver, element) -> None:
    """Click `element` and wait until the page it was on has gone.

    A click that loads a new page returns before the new page is there; a
    `wait_for` right after it can find the old page's element and then lose
    it mid-read ("node does not belong to the document").
    """
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 15).until(EC.staleness_of(old))


def sign_in(driver, server: CairnServer, key: str = ADMIN_KEY, path: str = "/") -> None:
    """Sign in with an API key through the sign-in form, then open `path`."""
    driver.delete_all_cookies()
    driver.get(f"{server.url}/-/login?next={requests.utils.quote(path, safe='')}")
    field = wait_for(driver, "input[name=api_key]")
    field.send_keys(key)
    field.submit()
    WebDriverWait(driver, 15).until(lambda d: "/-/login" not in d.current_url)


def screenshot(driver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def session_of(driver) -> requests.Session:
    """A requests session carrying the browser's cookies, to check what the
    server answers to hand-made requests (CSRF, downloads)."""
    session = requests.Session()
    for cookie in driver.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    return session


__all__ = [
    "ADMIN_KEY",
    "By",
    "new_browser",
    "screenshot",
    "session_of",
    "sign_in",
    "wait_for",
    "wandb_env",
]
