//! The server under test: the real `cairn` binary as a child process on
//! `127.0.0.1:0` with a temporary data directory.
//!
//! The benchmark never builds or links the server; it runs whatever binary
//! it is given, exactly as a user would, so the figures include the real
//! HTTP stack, logging and SQLite settings. The child's memory and CPU time
//! are read from `/proc/<pid>/`.

use std::collections::VecDeque;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// How long the server may take to print its listening line.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Server log lines kept for error messages.
const LOG_TAIL: usize = 200;

/// A running `cairn server` child. Killed when dropped.
pub struct ServerProcess {
    child: Child,
    pid: u32,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The instance admin's API key, chosen by us.
    pub admin_key: String,
    log: Arc<Mutex<VecDeque<String>>>,
    // Removed (with the database) when the server is dropped.
    data_dir: tempfile::TempDir,
}

impl ServerProcess {
    /// Start `bin server --listen 127.0.0.1:0 --data-dir <tempdir>` and wait
    /// for its `listening on http://127.0.0.1:PORT` line.
    pub async fn start(bin: &Path) -> anyhow::Result<Self> {
        if !bin.is_file() {
            bail!(
                "The server binary {} does not exist; build it with \
                 `cargo build --release -p cairn-cli` or pass --server-bin.",
                bin.display()
            );
        }
        let data_dir = tempfile::Builder::new()
            .prefix("cairn-bench-")
            .tempdir()
            .context("cannot create a temporary data directory")?;
        let admin_key = random_key();
        let mut child = Command::new(bin)
            .arg("server")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir.path())
            // Compacted history files are handed out at once (the default
            // waits five minutes), for the columnar workload.
            .arg("--history-export-delay")
            .arg("0")
            .env("CAIRN_ADMIN_API_KEY", &admin_key)
            // The default log level, whatever the caller's environment says:
            // the listening line is logged at info, and figures should not
            // depend on someone's RUST_LOG=debug.
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", bin.display()))?;
        let pid = child.id().context("the server exited at once")?;

        // Both streams are drained for the whole run (a full pipe would
        // block the server); lines also go to `lines_tx` until we have the
        // listening line.
        let log = Arc::new(Mutex::new(VecDeque::new()));
        let (lines_tx, mut lines_rx) = mpsc::unbounded_channel();
        if let Some(out) = child.stdout.take() {
            drain(out, Arc::clone(&log), lines_tx.clone());
        }
        if let Some(err) = child.stderr.take() {
            drain(err, Arc::clone(&log), lines_tx);
        }
        let base_url = tokio::time::timeout(START_TIMEOUT, async {
            while let Some(line) = lines_rx.recv().await {
                if let Some(url) = listening_url(&line) {
                    return Some(url);
                }
            }
            None
        })
        .await
        .ok()
        .flatten();
        let mut server = Self {
            child,
            pid,
            base_url: String::new(),
            admin_key,
            log,
            data_dir,
        };
        match base_url {
            Some(url) => server.base_url = url,
            None => {
                let status = server.stop().await;
                bail!(
                    "The server did not print `listening on http://127.0.0.1:PORT` \
                     (it ended, or {} s passed; now: {status}). Its log:\n{}",
                    START_TIMEOUT.as_secs(),
                    server.log_tail()
                );
            }
        }
        Ok(server)
    }

    /// The server's memory right now.
    pub fn memory(&self) -> anyhow::Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .context("cannot read the server's /proc status")?;
        let field = |name: &str| -> anyhow::Result<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .with_context(|| format!("no {name} in /proc/{}/status", self.pid))
        };
        Ok(Memory {
            rss_kb: field("VmRSS:")?,
            hwm_kb: field("VmHWM:")?,
            anon_kb: field("RssAnon:").ok(),
            file_kb: field("RssFile:").ok(),
        })
    }

    /// How many threads the server has right now.
    pub fn threads(&self) -> Option<u64> {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))?
            .trim()
            .parse()
            .ok()
    }

    /// The server's (temporary) data directory.
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// CPU seconds the server has used so far (all threads).
    pub fn cpu(&self) -> Option<Cpu> {
        cpu_of(&format!("/proc/{}/stat", self.pid))
    }

    /// Whether the server is still running; an error with its log if not.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Ok(Some(status)) = self.child.try_wait() {
            bail!(
                "The server exited during the benchmark ({status}). Its log:\n{}",
                self.log_tail()
            );
        }
        Ok(())
    }

    /// Kill the server and wait for it; returns how it ended.
    pub async fn stop(&mut self) -> String {
        let _ = self.child.start_kill();
        match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(Ok(status)) => status.to_string(),
            Ok(Err(e)) => format!("wait failed: {e}"),
            Err(_) => "did not exit within 10 s of SIGKILL".to_string(),
        }
    }

    /// The last lines the server logged.
    pub fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `VmRSS` and `VmHWM` (peak RSS) of a process, in KiB, and how the
/// current RSS splits into private memory and mapped files (a memory-mapped
/// database counts as RSS, but the kernel can drop those pages at will).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Memory {
    /// Resident set size now.
    pub rss_kb: u64,
    /// Peak resident set size since start.
    pub hwm_kb: u64,
    /// `RssAnon`: heap and stacks.
    pub anon_kb: Option<u64>,
    /// `RssFile`: resident pages of mapped files (binary, database).
    pub file_kb: Option<u64>,
}

impl Memory {
    /// `VmRSS N kB (anon A, file F)`.
    pub fn describe(&self) -> String {
        match (self.anon_kb, self.file_kb) {
            (Some(a), Some(f)) => format!("VmRSS {} kB (anon {a}, file {f})", self.rss_kb),
            _ => format!("VmRSS {} kB", self.rss_kb),
        }
    }
}

/// CPU seconds a process has used, split as the kernel accounts them.
#[derive(Debug, Clone, Copy)]
pub struct Cpu {
    /// In user space.
    pub user: f64,
    /// In the kernel, on the process's behalf (syscalls, page faults).
    pub system: f64,
}

impl Cpu {
    /// User plus system.
    pub fn total(self) -> f64 {
        self.user + self.system
    }
}

/// CPU seconds used by this benchmark process (the client side).
pub fn own_cpu() -> Option<Cpu> {
    cpu_of("/proc/self/stat")
}

/// CPU seconds all processes on the machine have used so far (from the
/// first line of `/proc/stat`: everything but idle and iowait), to tell
/// how much other processes competed with the benchmark.
pub fn machine_busy_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<f64> = line
        .split_whitespace()
        .map(|t| t.parse().unwrap_or(0.0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is
    // already counted in user).
    let busy: f64 = ticks.iter().take(8).sum::<f64>() - ticks.get(3)? - ticks.get(4)?;
    Some(busy / 100.0)
}

/// The 1-minute load average.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `utime` and `stime` from a `/proc/.../stat` file. Linux reports them in
/// clock ticks of `USER_HZ`, which is 100 on every mainstream architecture.
fn cpu_of(path: &str) -> Option<Cpu> {
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name (field 2) may contain spaces; fields after its
    // closing parenthesis are fixed: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some(Cpu {
        user: utime / 100.0,
        system: stime / 100.0,
    })
}

/// The URL in a line like `... cairn listening on http://127.0.0.1:4242`.
fn listening_url(line: &str) -> Option<String> {
    let start = line.find("listening on http://127.0.0.1:")? + "listening on ".len();
    let rest = &line[start..];
    let port_start = "http://127.0.0.1:".len();
    let port_len = rest[port_start..]
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len() - port_start);
    (port_len > 0).then(|| rest[..port_start + port_len].to_string())
}

fn drain(
    stream: impl AsyncRead + Unpin + Send + 'static,
    log: Arc<Mutex<VecDeque<String>>>,
    lines_tx: mpsc::UnboundedSender<String>,
) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if !lines_tx.is_closed() {
                let _ = lines_tx.send(line.clone());
            }
            let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
            if log.len() == LOG_TAIL {
                log.pop_front();
            }
            log.push_back(line);
        }
    });
}

/// `bench-` and 44 random letters: the shape the official client accepts.
fn random_key() -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut key = String::from("bench-");
    let mut bits = 0u64;
    for i in 0..44 {
        if i % 8 == 0 {
            // RandomState is seeded from the OS; good enough for a key that
            // guards a throwaway loopback server.
            let mut h = RandomState::new().build_hasher();
            h.write_usize(i);
            bits = h.finish();
        }
        key.push(char::from(LETTERS[(bits % 52) as usize]));
        bits /= 52;
    }
    key
}

/// The default server binary: `target/release/cairn` under the current
/// directory.
pub fn default_server_bin() -> PathBuf {
    PathBuf::from("target/release/cairn")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_listening_line() {
        assert_eq!(
            listening_url(
                "2026-01-01T00:00:00Z  INFO cairn: cairn listening on http://127.0.0.1:40123 data_dir=/tmp/x"
            )
            .as_deref(),
            Some("http://127.0.0.1:40123")
        );
        assert_eq!(
            listening_url("listening on http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(listening_url("listening on http://127.0.0.1:"), None);
        assert_eq!(listening_url("starting"), None);
    }

    #[test]
    fn keys_have_the_client_shape() {
        let key = random_key();
        let secret = key.strip_prefix("bench-").unwrap();
        assert_eq!(secret.len(), 44);
        assert!(secret.chars().all(|c| c.is_ascii_alphabetic()));
    }
}
