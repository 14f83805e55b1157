"""Keys and admin pages in headless Chromium: a key created on the page is
shown once and works with the official client; the admin creates and
deactivates a user; a member gets the 404 page for the admin area."""

from __future__ import annotations

import wandb
from conftest import EC, By, WebDriverWait, screenshot, sign_in, wait_for


def test_a_new_key_is_shown_once_and_works(server, browser):
    username, _, key = server.new_user()
    sign_in(browser, server, key=key, path="/-/keys")
    field = wait_for(browser, "input[name=description]")
    field.send_keys("from the browser")
    field.submit()
    secret = wait_for(browser, "#new-key").text
    screenshot(browser, "key-created")
    assert wandb.Api(overrides={"base_url": server.url}, api_key=secret).viewer.username == username
    browser.get(f"{server.url}/-/keys")
    wait_for(browser, "table.keys")
    assert secret not in browser.page_source
    assert "from the browser" in browser.find_element(By.CSS_SELECTOR, "table.keys").text
    # A member may not see the admin area.
    browser.get(f"{server.url}/-/admin")
    assert "Not found" in wait_for(browser, "h1").text


def test_the_admin_creates_and_deactivates_a_user(server, browser):
    sign_in(browser, server, path="/-/admin")
    email = wait_for(browser, "input[name=email]")
    email.send_keys("newcomer@example.com")
    email.submit()
    created = wait_for(browser, "p.notice")
    assert "Created user newcomer" in created.text
    row = browser.find_element(By.XPATH, "//tr[td/a[text()='newcomer']]")
    row.find_element(By.XPATH, ".//button[text()='Deactivate']").click()
    # The next page's notice, not the one still on this page.
    WebDriverWait(browser, 15).until(EC.staleness_of(created))
    assert "Deactivated newcomer" in wait_for(browser, "p.notice").text
    row = browser.find_element(By.XPATH, "//tr[td/a[text()='newcomer']]")
    assert "deactivated" in row.text
    screenshot(browser, "admin")
