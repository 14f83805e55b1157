//! The web UI measured in real headless Chromium.
//!
//! Chromium is driven through ChromeDriver over the WebDriver protocol,
//! which is JSON over HTTP: the `reqwest` client the bench already has is
//! all it takes, so no WebDriver crate is added. Times are the browser's
//! own (the Navigation Timing and Performance APIs), so they include the
//! server's answer, the transfer, parsing and rendering — what a person
//! waits for:
//! - a page: navigation start to `domContentLoadedEventEnd` (the runs table
//!   is server-rendered, so it is on screen then);
//! - a chart: navigation start to the moment `app.js` drew it
//!   (`data-drawn-at`, set from `performance.now()` after uPlot drew);
//! - transfer: the navigation's and every resource's `transferSize`.
//!
//! Debian's `chromium` and `chromium-driver` provide the two binaries
//! (`.ci/run` installs them); without them the group is skipped with a
//! message.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// Where Debian puts them.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Where Debian puts them.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Whether the browser and its driver are installed.
pub fn available() -> bool {
    Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()
}

/// A headless Chromium session.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    session: String,
    base: String,
}

impl Browser {
    /// Start ChromeDriver on a free loopback port and open a session.
    pub async fn start() -> anyhow::Result<Browser> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("start chromedriver")?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && r.status().is_success()
            {
                break;
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not answer within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let args = [
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
        ];
        let answer: Value = http
            .post(format!("{base}/session"))
            .json(&json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            }}}))
            .send()
            .await?
            .json()
            .await?;
        let session = answer["value"]["sessionId"]
            .as_str()
            .with_context(|| format!("no WebDriver session: {answer}"))?
            .to_string();
        Ok(Browser {
            driver,
            http,
            session,
            base,
        })
    }

    async fn call(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let answer: Value = self
            .http
            .post(format!("{}/session/{}/{path}", self.base, self.session))
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        if let Some(error) = answer["value"].get("error") {
            bail!("WebDriver {path}: {error} {}", answer["value"]["message"]);
        }
        Ok(answer["value"].clone())
    }

    /// Open `url` and wait for its load event.
    pub async fn go(&self, url: &str) -> anyhow::Result<()> {
        self.call("url", json!({ "url": url })).await.map(|_| ())
    }

    /// Run `script` in the page; its `return` value.
    pub async fn eval(&self, script: &str) -> anyhow::Result<Value> {
        self.call("execute/sync", json!({ "script": script, "args": [] }))
            .await
    }

    /// Poll `script` until it returns something other than `null`.
    pub async fn wait_for(&self, script: &str, timeout: Duration) -> anyhow::Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.eval(script).await?;
            if !value.is_null() {
                return Ok(value);
            }
            if Instant::now() > deadline {
                bail!("gave up waiting for: {script}");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Sign in with an API key through the sign-in form.
    pub async fn sign_in(&self, server: &str, key: &str) -> anyhow::Result<()> {
        self.go(&format!("{server}/-/login")).await?;
        let script = format!(
            "document.querySelector('input[name=api_key]').value = {}; \
             document.querySelector('input[name=api_key]').form.submit();",
            json!(key)
        );
        self.eval(&script).await?;
        self.wait_for(
            "return location.pathname === '/' && document.readyState === 'complete' ? true : null",
            Duration::from_secs(20),
        )
        .await?;
        Ok(())
    }

    /// Milliseconds from navigation start to `domContentLoadedEventEnd` of
    /// the current page, with the number of elements matching `css`.
    pub async fn page_time(&self, css: &str) -> anyhow::Result<(f64, u64)> {
        let script = format!(
            "const n = performance.getEntriesByType('navigation')[0]; \
             return [n.domContentLoadedEventEnd, document.querySelectorAll({}).length];",
            json!(css)
        );
        let v = self.eval(&script).await?;
        Ok((
            v[0].as_f64().unwrap_or(f64::NAN),
            v[1].as_u64().unwrap_or(0),
        ))
    }

    /// Milliseconds from navigation start until the first chart matching
    /// `css` was drawn.
    pub async fn chart_time(&self, css: &str) -> anyhow::Result<f64> {
        let script = format!(
            "const f = document.querySelector({}); \
             return f && f.dataset.drawnAt ? Number(f.dataset.drawnAt) : null;",
            json!(css)
        );
        let v = self.wait_for(&script, Duration::from_secs(60)).await?;
        Ok(v.as_f64().unwrap_or(f64::NAN))
    }

    /// Bytes transferred for the current page: the document and every
    /// resource (a resource served from the browser's cache counts 0).
    pub async fn transfer(&self) -> anyhow::Result<(f64, f64)> {
        let v = self
            .eval(
                "const n = performance.getEntriesByType('navigation')[0]; \
                 const r = performance.getEntriesByType('resource'); \
                 return [n.transferSize + r.reduce((a, e) => a + e.transferSize, 0), \
                         n.encodedBodySize + r.reduce((a, e) => a + e.encodedBodySize, 0)];",
            )
            .await?;
        Ok((v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0)))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closing the session ends Chromium; then the driver.
        let url = format!("{}/session/{}", self.base, self.session);
        let http = self.http.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    let _ = tokio::time::timeout(Duration::from_secs(10), http.delete(url).send())
                        .await;
                });
            }
        })
        .join();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
