//! The report: machine facts, every figure next to its target, and where
//! the time went (server vs benchmark CPU per phase); as text or JSON.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// Everything one benchmark run found.
#[derive(Debug, Serialize)]
pub struct Report {
    /// When the run started (UTC, `YYYY-MM-DD HH:MM`).
    pub date_utc: String,
    /// `git rev-parse --short HEAD` of the current directory, if any; a
    /// `-dirty` suffix when the work tree has changes.
    pub commit: Option<String>,
    /// The machine.
    pub machine: Machine,
    /// The server binary measured.
    pub server_bin: String,
    /// When that binary was built (its modification time, UTC).
    pub server_bin_built: Option<String>,
    /// `full` or `quick`.
    pub mode: &'static str,
    /// Workload sizes.
    pub params: serde_json::Value,
    /// The figures, in workload order.
    pub figures: Vec<Figure>,
    /// Wall and CPU time per phase.
    pub phases: Vec<Phase>,
    /// Correctness notes on the answers (filters honored, counts right).
    pub checks: Vec<String>,
    /// Wall time of the whole benchmark, in seconds.
    pub total_seconds: f64,
    /// The 1-minute load average when the benchmark started and ended.
    pub load_average: [Option<f64>; 2],
}

/// Facts about the machine the figures come from.
#[derive(Debug, Serialize)]
pub struct Machine {
    /// `model name` from /proc/cpuinfo.
    pub cpu_model: String,
    /// CPUs this process may use.
    pub cores: usize,
    /// `MemTotal` from /proc/meminfo, in MiB.
    pub ram_mib: u64,
    /// The kernel release.
    pub kernel: String,
}

impl Machine {
    /// Read the facts from /proc.
    pub fn detect() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|rest| rest.split_once(':'))
            .map_or_else(|| "unknown".to_string(), |(_, m)| m.trim().to_string());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let ram_kb: u64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        Self {
            cpu_model,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            ram_mib: ram_kb / 1024,
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map_or_else(|_| "unknown".to_string(), |s| s.trim().to_string()),
        }
    }
}

/// One measured number.
#[derive(Debug, Serialize)]
pub struct Figure {
    /// Stable identifier for machine readers, e.g. `ingest.single`.
    pub id: &'static str,
    /// What was measured, for people.
    pub name: String,
    /// The value, in `unit`.
    pub value: f64,
    /// `points/s`, `rows/s`, `runs/s`, `ms` or `MB`.
    pub unit: &'static str,
    /// The target, if this figure has one.
    pub target: Option<Target>,
    /// Whether the target is met (`None` without a target).
    pub met: Option<bool>,
    /// How the number came about.
    pub detail: String,
}

/// A bound a figure should respect.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Target {
    /// `>=` or `<=`.
    pub op: &'static str,
    /// The bound, in the figure's unit.
    pub value: f64,
}

impl Target {
    /// At least `value`.
    pub fn at_least(value: f64) -> Self {
        Self { op: ">=", value }
    }

    /// At most `value`.
    pub fn at_most(value: f64) -> Self {
        Self { op: "<=", value }
    }

    fn met_by(self, v: f64) -> bool {
        if self.op == ">=" {
            v >= self.value
        } else {
            v <= self.value
        }
    }
}

impl Figure {
    /// A figure; `met` is computed from the target.
    pub fn new(
        id: &'static str,
        name: impl Into<String>,
        value: f64,
        unit: &'static str,
        target: Option<Target>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            id,
            name: name.into(),
            value,
            unit,
            target,
            met: target.map(|t| t.met_by(value)),
            detail: detail.into(),
        }
    }
}

/// Wall and CPU time of one phase of the benchmark.
#[derive(Debug, Serialize)]
pub struct Phase {
    /// What ran.
    pub name: String,
    /// Wall seconds.
    pub wall_s: f64,
    /// User-space CPU seconds the server used (all threads).
    pub server_user_s: Option<f64>,
    /// Kernel CPU seconds the server used (syscalls, page faults).
    pub server_sys_s: Option<f64>,
    /// CPU seconds the benchmark itself used.
    pub client_cpu_s: Option<f64>,
    /// CPU seconds every other process on the machine used meanwhile
    /// (noise: on a quiet machine, close to 0).
    pub other_cpu_s: Option<f64>,
    /// The server's memory when the phase ended.
    pub server_rss: Option<PhaseMemory>,
}

/// The server's memory at the end of a phase, in MB.
#[derive(Debug, Serialize)]
pub struct PhaseMemory {
    /// `VmRSS`.
    pub rss_mb: f64,
    /// `RssAnon` (RSS without mapped files such as the database).
    pub anon_mb: Option<f64>,
}

impl Report {
    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Cairn benchmark ({} mode)", self.mode);
        let _ = writeln!(out, "  date     {} UTC", self.date_utc);
        if let Some(c) = &self.commit {
            let _ = writeln!(out, "  commit   {c}");
        }
        let m = &self.machine;
        let _ = writeln!(
            out,
            "  machine  {}, {} cores, {} MiB RAM, Linux {}",
            m.cpu_model, m.cores, m.ram_mib, m.kernel
        );
        let _ = writeln!(
            out,
            "  server   {} (built {} UTC)",
            self.server_bin,
            self.server_bin_built.as_deref().unwrap_or("?")
        );
        let sizes = self.params.as_object().map_or_else(String::new, |m| {
            m.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        });
        let _ = writeln!(out, "  sizes    {sizes}");
        let _ = writeln!(out);

        let rows: Vec<[String; 5]> = self
            .figures
            .iter()
            .map(|f| {
                [
                    f.name.clone(),
                    format!("{} {}", number(f.value), f.unit),
                    f.target.map_or_else(
                        || "-".to_string(),
                        |t| format!("{} {} {}", t.op, number(t.value), f.unit),
                    ),
                    match f.met {
                        Some(true) => "ok".to_string(),
                        Some(false) => "MISSED".to_string(),
                        None => String::new(),
                    },
                    f.detail.clone(),
                ]
            })
            .collect();
        table(
            &mut out,
            ["figure", "value", "target", "", "detail"],
            &rows,
            &[false, true, true, false, false],
        );

        let _ = writeln!(out);
        let rows: Vec<[String; 8]> = self
            .phases
            .iter()
            .map(|p| {
                let secs =
                    |c: Option<f64>| c.map_or_else(|| "?".to_string(), |c| format!("{c:.2}"));
                let server = p.server_user_s.zip(p.server_sys_s).map(|(u, s)| u + s);
                // CPU time comes in 10 ms ticks: too coarse for short phases.
                let busy = server
                    .filter(|_| p.wall_s >= 0.5)
                    .map_or_else(String::new, |c| format!("{:.2}", c / p.wall_s));
                [
                    p.name.clone(),
                    format!("{:.2}", p.wall_s),
                    secs(p.server_user_s),
                    secs(p.server_sys_s),
                    busy,
                    secs(p.client_cpu_s),
                    secs(p.other_cpu_s),
                    p.server_rss.as_ref().map_or_else(String::new, |m| {
                        let anon = m
                            .anon_mb
                            .map_or_else(|| "?".to_string(), |a| format!("{a:.1}"));
                        format!("{:.1} / {anon}", m.rss_mb)
                    }),
                ]
            })
            .collect();
        table(
            &mut out,
            [
                "phase",
                "wall s",
                "server user s",
                "server sys s",
                "server cores busy",
                "bench CPU s",
                "others CPU s",
                "server RSS / anon MB after",
            ],
            &rows,
            &[false, true, true, true, true, true, true, true],
        );

        if !self.checks.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "Answers checked:");
            for c in &self.checks {
                let _ = writeln!(out, "  - {c}");
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "Total wall time {:.1} s.", self.total_seconds);
        let load = |l: Option<f64>| l.map_or_else(|| "?".to_string(), |l| format!("{l:.2}"));
        let _ = writeln!(
            out,
            "Load average (1 min): {} at start, {} at end.",
            load(self.load_average[0]),
            load(self.load_average[1])
        );
        let other: f64 = self.phases.iter().filter_map(|p| p.other_cpu_s).sum();
        let capacity: f64 =
            self.phases.iter().map(|p| p.wall_s).sum::<f64>() * self.machine.cores as f64;
        if capacity > 0.0 && other > 0.05 * capacity {
            let _ = writeln!(
                out,
                "WARNING: other processes used {other:.1} CPU s ({:.0}% of the machine) \
                 during the measured phases; these figures are pessimistic.",
                100.0 * other / capacity
            );
        }
        out
    }
}

fn table<const N: usize>(
    out: &mut String,
    head: [&str; N],
    rows: &[[String; N]],
    right: &[bool; N],
) {
    let mut width = head.map(str::len);
    for row in rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut String, cells: [&str; N]| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = width[i] - cell.chars().count();
            if i > 0 {
                s.push_str("  ");
            }
            if right[i] {
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            } else {
                s.push_str(cell);
                if i + 1 < N {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        let _ = writeln!(out, "{}", s.trim_end());
    };
    line(out, head);
    line(
        out,
        width.map(|w| "-".repeat(w)).each_ref().map(String::as_str),
    );
    for row in rows {
        line(out, row.each_ref().map(String::as_str));
    }
}

/// `1234567.8` → `1,234,568`; small numbers keep a decimal or two.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v.abs() >= 1000.0 {
        let s = format!("{:.0}", v.abs());
        let mut grouped = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if v < 0.0 {
            grouped.insert(0, '-');
        }
        grouped
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Now, as `YYYY-MM-DD HH:MM` in UTC.
pub fn now_utc() -> String {
    utc(SystemTime::now())
}

/// `t` as `YYYY-MM-DD HH:MM` in UTC.
pub fn utc(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// The current directory's commit, `-dirty` if the work tree has changes.
pub fn git_commit() -> Option<String> {
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let mut commit = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let dirty = std::process::Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .is_some_and(|o| o.status.success() && !o.stdout.is_empty());
    if dirty {
        commit.push_str("-dirty");
    }
    Some(commit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(number(1_234_567.8), "1,234,568");
        assert_eq!(number(1000.0), "1,000");
        assert_eq!(number(999.4), "999");
        assert_eq!(number(12.345), "12.3");
        assert_eq!(number(1.234), "1.23");
    }

    #[test]
    fn targets_compare_both_ways() {
        assert!(Target::at_least(10.0).met_by(10.0));
        assert!(!Target::at_least(10.0).met_by(9.0));
        assert!(Target::at_most(20.0).met_by(3.0));
        assert!(!Target::at_most(20.0).met_by(21.0));
    }

    #[test]
    fn dates_look_like_dates() {
        let d = now_utc();
        assert_eq!(d.len(), 16);
        assert!(d.starts_with("20"));
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01 00:00");
        let leap_day = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400 + 3_661);
        assert_eq!(utc(leap_day), "2000-02-29 01:01");
    }
}
