"""Sweep pages in headless Chromium, on a sweep the official client ran
(3 of its 5 grid points, so it is still running):
the list, the sweep page at the URL `wandb.sweep` prints (runs best first,
the best run, a parallel-coordinates chart), and pause / resume."""

from __future__ import annotations

import pytest
import wandb
from conftest import ADMIN_KEY, By, click_through, screenshot, sign_in, wait_for, wandb_env


@pytest.fixture(scope="module")
def sweep(server, wandb_dir):
    config = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"lr": {"values": [0.1, 0.01, 0.001, 0.0001, 0.00001]}, "optimizer": {"value": "adam"}},
    }
    with wandb_env(server, wandb_dir):
        sweep_id = wandb.sweep(config, entity="admin", project="tuning")

        def train():
            run = wandb.init(settings=wandb.Settings(api_key=ADMIN_KEY, base_url=server.url))
            run.log({"loss": run.config["lr"] * 10})
            run.finish()

        wandb.agent(sweep_id, function=train, entity="admin", project="tuning", count=3)
    return sweep_id


def test_sweep_pages_rank_runs_chart_them_and_pause(server, browser, sweep):
    sign_in(browser, server, path="/admin/tuning/sweeps")
    link = wait_for(browser, "table.grid tbody tr a")
    screenshot(browser, "sweeps")
    click_through(browser, link)
    wait_for(browser, "figure.parallel canvas")
    assert browser.current_url == f"{server.url}/admin/tuning/sweeps/{sweep}"
    rows = browser.find_elements(By.CSS_SELECTOR, "section table.grid tbody tr")
    assert len(rows) == 3
    # Best first: the smallest loss, from the smallest of the 3 lr tried.
    assert "0.001" in rows[0].text, [r.text for r in rows]
    assert "Best run:" in browser.find_element(By.TAG_NAME, "main").text
    screenshot(browser, "sweep")

    click_through(browser, browser.find_element(By.XPATH, "//button[text()='Pause']"))
    assert "paused" in wait_for(browser, "h1 .state").text
    click_through(browser, browser.find_element(By.XPATH, "//button[text()='Resume']"))
    assert "running" in wait_for(browser, "h1 .state").text
    assert server.api().sweep(f"admin/tuning/{sweep}").state.upper() == "RUNNING"
