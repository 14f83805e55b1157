"""Report pages in headless Chromium: a report saved with `wandb-workspaces`
opens at the URL the library gives, its blocks shown as escaped text, and
the project's reports are listed."""

from __future__ import annotations

import wandb_workspaces.reports.v2 as wr
from conftest import ADMIN_KEY, By, click_through, screenshot, sign_in, wait_for, wandb_env

HOSTILE = '<img src=x onerror="window.pwned=1">'


def test_a_saved_report_opens_at_its_url(server, browser, wandb_dir):
    server.upsert_run("admin", "notes", "r1", config={"lr": 0.1})
    with wandb_env(server, wandb_dir):
        import wandb

        wandb.setup(wandb.Settings(api_key=ADMIN_KEY, base_url=server.url))
        report = wr.Report(
            entity="admin",
            project="notes",
            title="Weekly results",
            description="What changed this week",
            blocks=[wr.H1("Results"), wr.P(HOSTILE), wr.UnorderedList(["first", "second"])],
        )
        report.save()
    sign_in(browser, server, path="/admin/notes/reports")
    link = wait_for(browser, "table.grid tbody a")
    assert link.text == "Weekly results"
    click_through(browser, link)
    article = wait_for(browser, "article.report").text
    assert browser.current_url == report.url
    assert "Results" in article and HOSTILE in article and "second" in article
    assert browser.execute_script("return window.pwned") is None
    assert browser.find_elements(By.CSS_SELECTOR, "article img") == []
    screenshot(browser, "report")
