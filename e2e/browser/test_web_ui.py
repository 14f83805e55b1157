"""The web UI in real headless Chromium, on data the official client logged:
sign-in returning to the URL the client printed, the home page, the runs
table (filter, sort, charts), the run page (config, console, files), a chart
of a running run updating live, escaping of a hostile run name, CSRF
refusal, and a 404 page for a project the viewer may not see.
"""

from __future__ import annotations

import json

import pytest
import wandb
from conftest import (
    ADMIN_KEY,
    By,
    click_through,
    new_browser,
    screenshot,
    session_of,
    sign_in,
    wait_for,
    wandb_env,
)
from selenium.webdriver.support.ui import WebDriverWait

HOSTILE = "<script>window.pwned=1</script>"


@pytest.fixture(scope="module")
def logged(server, wandb_dir):
    """Two finished runs logged by the official client in admin/ui: one with
    a hostile name, history, console output, a saved file and an artifact."""
    urls = {}
    with wandb_env(server, wandb_dir):
        for name, lr in ((HOSTILE, 0.02), ("plain", 0.001)):
            run = wandb.init(
                entity="admin",
                project="ui",
                name=name,
                config={"lr": lr, "optimizer": {"name": "adam", "beta": 0.9}},
                tags=["baseline"],
                settings=wandb.Settings(api_key=ADMIN_KEY, base_url=server.url),
            )
            for step in range(200):
                run.log({"loss": 1.0 / (step + 1) + lr, "acc": step / 200})
            print("training done <b>not bold</b>")
            notes = wandb_dir / f"notes-{run.id}.txt"
            notes.write_text("hello from the run\n")
            run.save(str(notes), base_path=str(wandb_dir), policy="now")
            art = wandb.Artifact("train-data", type="dataset")
            with art.new_file("data.csv") as f:
                f.write(f"a,b\n1,{lr}\n")
            run.log_artifact(art)
            if name == "plain":
                run.use_artifact("train-data:v0")
            urls[name] = (run.id, run.url, notes.name)
            run.finish()
    return urls


def test_sign_in_comes_back_to_the_url_the_client_printed(server, browser, logged):
    run_id, url, _ = logged[HOSTILE]
    assert url == f"{server.url}/admin/ui/runs/{run_id}"
    browser.delete_all_cookies()
    browser.get(url)
    field = wait_for(browser, "input[name=api_key]")
    screenshot(browser, "sign-in")
    field.send_keys(ADMIN_KEY)
    field.submit()
    # The sign-in page has a heading too: wait for the navigation first.
    WebDriverWait(browser, 15).until(lambda d: "/-/login" not in d.current_url)
    heading = wait_for(browser, "h1")
    assert browser.current_url == url
    assert HOSTILE in heading.text
    # Shown as text, never run.
    assert browser.execute_script("return window.pwned") is None
    wait_for(browser, "#charts figure.chart canvas")
    screenshot(browser, "run")


def test_home_lists_projects_with_run_counts(server, browser, logged):
    sign_in(browser, server)
    row = wait_for(browser, "table.grid tbody tr")
    screenshot(browser, "home")
    cells = [c.text for c in row.find_elements(By.CSS_SELECTOR, "td")]
    assert cells[0] == "ui" and cells[1] == "2", cells


def test_runs_table_filters_sorts_and_charts(server, browser, logged):
    sign_in(browser, server, path="/admin/ui")
    wait_for(browser, "table.runs-table tbody tr")
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.runs-table tbody tr")) == 2
    assert browser.execute_script("return window.pwned") is None

    field = browser.find_element(By.CSS_SELECTOR, "input[name=filter]")
    field.clear()
    field.send_keys("lr > 0.01 and tags = baseline")
    field.submit()
    WebDriverWait(browser, 15).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "table.runs-table tbody tr")) == 1
    )
    assert HOSTILE in browser.find_element(By.CSS_SELECTOR, "table.runs-table tbody tr").text

    # A config column, sorted by its header link, both ways.
    browser.get(f"{server.url}/admin/ui?cols=config.lr")
    click_through(browser, browser.find_element(By.LINK_TEXT, "config.lr"))
    wait_for(browser, "th[aria-sort=ascending]")
    names = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "table.runs-table tbody tr td:nth-child(2)")]
    assert names == ["plain", HOSTILE], names
    click_through(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "config.lr"))
    wait_for(browser, "th[aria-sort=descending]")
    names = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "table.runs-table tbody tr td:nth-child(2)")]
    assert names == [HOSTILE, "plain"], names

    # The charts overlay both runs, from sampled data.
    wait_for(browser, "section.charts figure.chart canvas")
    series = browser.execute_script(
        "return document.querySelector('section.charts figure.chart').cairnData.series.length"
    )
    assert series == 2
    screenshot(browser, "project")

    # A bad filter is explained, not a crash.
    browser.get(f"{server.url}/admin/ui?filter=lr%20%3E")
    assert "could not be read" in wait_for(browser, "p.error").text


def test_run_page_config_console_file_preview_and_download(server, browser, logged):
    run_id, url, file_name = logged["plain"]
    sign_in(browser, server, path=f"/admin/ui/runs/{run_id}")
    config = wait_for(browser, "#config-tree").text
    assert "lr" in config and "0.001" in config and "adam" in config
    console = browser.find_element(By.CSS_SELECTOR, "pre.console").text
    assert "training done <b>not bold</b>" in console
    assert browser.find_elements(By.CSS_SELECTOR, "pre.console b") == []

    search = browser.find_element(By.CSS_SELECTOR, "input[data-tree=config-tree]")
    search.send_keys("beta")
    visible = [r for r in browser.find_elements(By.CSS_SELECTOR, "#config-tree tr") if r.is_displayed()]
    assert len(visible) == 1 and "0.9" in visible[0].text

    link = browser.find_element(By.LINK_TEXT, file_name)
    href = link.get_attribute("href")
    download = session_of(browser).get(href, timeout=30)
    assert download.status_code == 200
    assert download.content == b"hello from the run\n"
    assert download.headers["content-disposition"].startswith("attachment")

    click_through(browser, browser.find_element(By.XPATH, f"//tr[td/a[text()='{file_name}']]//a[text()='Preview']"))
    assert "hello from the run" in wait_for(browser, "pre.console").text

    browser.get(url)
    artifacts = wait_for(browser, "#artifacts").text
    assert "train-data:v" in artifacts


def test_a_running_runs_chart_updates_live(server, browser):
    server.upsert_run("admin", "live", "growing", state="running", config={"lr": 0.1})

    def log(start: int, end: int) -> None:
        rows = [json.dumps({"_step": s, "loss": 1.0 / (s + 1)}) for s in range(start, end)]
        resp = server.file_stream(
            "admin", "live", "growing", {"files": {"wandb-history.jsonl": {"offset": start, "content": rows}}}
        )
        assert resp.status_code == 200, resp.text

    log(0, 10)
    sign_in(browser, server, path="/admin/live/runs/growing")
    wait_for(browser, "#charts figure.chart canvas")
    count = "return document.querySelector('#charts figure.chart').cairnData.series[0].x.length"
    assert browser.execute_script(count) == 10
    log(10, 30)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(count) == 30)
    screenshot(browser, "live-run")


def test_forged_posts_are_refused(server, browser, logged):
    run_id, _, _ = logged["plain"]
    sign_in(browser, server, path=f"/admin/ui/runs/{run_id}")
    session = session_of(browser)
    notes = f"{server.url}/admin/ui/runs/{run_id}/notes"
    forged = session.post(notes, data={"csrf": "guess", "notes": "x", "tags": ""}, timeout=30, allow_redirects=False)
    assert forged.status_code == 403
    assert "did not come from this site" in forged.text
    # Editing through the page itself works.
    area = browser.find_element(By.CSS_SELECTOR, "textarea[name=notes]")
    area.clear()
    area.send_keys("edited in the browser")
    area.submit()
    assert "edited in the browser" in wait_for(browser, "textarea[name=notes]").get_attribute("value")


def test_a_project_the_viewer_may_not_see_is_a_404_page(server, logged):
    username, _, key = server.new_user()
    other = new_browser()
    try:
        sign_in(other, server, key=key, path="/admin/ui")
        assert "Not found" in wait_for(other, "h1").text
        screenshot(other, "not-found")
        # The home page does not list it either.
        other.get(server.url + "/")
        assert "ui" not in [a.text for a in other.find_elements(By.CSS_SELECTOR, "table.grid a")]
    finally:
        other.quit()


def test_artifact_pages_files_and_lineage(server, browser, logged):
    hostile_id, _, _ = logged[HOSTILE]
    plain_id, _, _ = logged["plain"]
    api = server.api()
    art = api.artifact("admin/ui/train-data:v0")
    sign_in(browser, server, path="/admin/ui/artifacts")
    click_through(browser, browser.find_element(By.LINK_TEXT, "train-data"))
    wait_for(browser, "table.grid tbody tr")
    versions = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "table.grid tbody tr td:first-child")]
    assert versions == ["v1", "v0"], versions
    click_through(browser, browser.find_element(By.LINK_TEXT, "v0"))
    lineage = wait_for(browser, "#lineage").text
    # Logged by the first run, used by the second, which logged v1.
    assert HOSTILE in lineage and "plain" in lineage, lineage
    nodes = {a.text.split()[0]: a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#lineage a.node")}
    assert nodes["train-data:v1"].endswith("/admin/ui/artifacts/dataset/train-data/v1"), nodes
    # Two steps back from v1: its run used v0.
    browser.get(nodes["train-data:v1"])
    lineage = wait_for(browser, "#lineage").text
    assert lineage.index("train-data:v0") < lineage.index("plain") < lineage.index("train-data:v1"), lineage
    browser.back()
    wait_for(browser, "#lineage")
    screenshot(browser, "artifact-version")
    href = browser.find_element(By.LINK_TEXT, "data.csv").get_attribute("href")
    download = session_of(browser).get(href, timeout=30)
    assert download.status_code == 200 and download.content == b"a,b\n1,0.02\n"
    assert download.headers["content-disposition"].startswith("attachment")
    # The alias URL opens the same version.
    browser.get(f"{server.url}/admin/ui/artifacts/dataset/train-data/latest")
    assert wait_for(browser, "h1").text.startswith("train-data:v1")
    # The URL the client gives for the artifact opens its page.
    assert art.url == f"{server.url}/admin/ui/artifacts/dataset/train-data/v0"
    browser.get(art.url)
    assert wait_for(browser, "h1").text.startswith("train-data:v0"), art.url
