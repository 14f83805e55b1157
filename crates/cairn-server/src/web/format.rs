//! How values, times and durations are shown on pages.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Longest value shown in a table cell before it is cut.
const CELL_CHARS: usize = 80;

/// A time as `2026-12-05 10:45:52` (UTC).
pub fn when(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A time in RFC 3339, for `<time datetime=…>`.
pub fn iso(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A duration in seconds as `1h 02m`, `3m 04s` or `5s`.
pub fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, min, sec) => format!("{min}m {sec:02}s"),
        (h, min, _) if h < 48 => format!("{h}h {min:02}m"),
        (h, _, _) => format!("{}d {:02}h", h / 24, h % 24),
    }
}

/// A JSON value for a table cell: strings bare, numbers compact, others
/// as JSON, cut to a readable length.
pub fn cell(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => number(n),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    if text.chars().count() > CELL_CHARS {
        let cut: String = text.chars().take(CELL_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn number(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() && f != 0.0 && (f.abs() < 1e-4 || f.abs() >= 1e15) => {
            format!("{f:.4e}")
        }
        Some(f) if n.is_f64() && f.abs() >= 1e6 => format!("{f:.0}"),
        Some(f) if n.is_f64() => {
            let text = format!("{f:.6}");
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        _ => n.to_string(),
    }
}

/// A byte count as `1.5 MB`.
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n.max(0) as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The value at a dotted path of a run's config (`{"k": {"value": v}}`) or
/// summary (`{"k": v}`): `a.b` looks inside nested objects.
pub fn lookup<'a>(doc: &'a Value, path: &str, wrapped: bool) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut value = doc.get(first)?;
    if wrapped {
        value = value.get("value").unwrap_or(value);
    }
    for part in parts {
        value = value.get(part)?;
    }
    Some(value)
}

/// One line of a config, summary or metadata tree.
pub struct TreeRow {
    /// The key at this level.
    pub key: String,
    /// How deep it is nested.
    pub depth: usize,
    /// The value; blank for an object whose keys follow.
    pub value: String,
}

/// A config (values wrapped in `{"value": …}`, `_wandb` left out) or a
/// summary as indented rows, nested objects opened up.
pub fn tree(doc: &Value, wrapped: bool) -> Vec<TreeRow> {
    fn walk(rows: &mut Vec<TreeRow>, key: String, value: &Value, depth: usize) {
        match value {
            Value::Object(map) if !map.is_empty() && depth < 8 && rows.len() < 5000 => {
                rows.push(TreeRow {
                    key,
                    depth,
                    value: String::new(),
                });
                for (k, v) in map {
                    walk(rows, k.clone(), v, depth + 1);
                }
            }
            other => rows.push(TreeRow {
                key,
                depth,
                value: cell(other),
            }),
        }
    }
    let mut rows = Vec::new();
    if let Value::Object(map) = doc {
        for (key, value) in map {
            if key == "_wandb" {
                continue;
            }
            let value = if wrapped {
                value.get("value").unwrap_or(value)
            } else {
                value
            };
            walk(&mut rows, key.clone(), value, 0);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_read_well() {
        assert_eq!(cell(&json!(0.1)), "0.1");
        assert_eq!(cell(&json!(3)), "3");
        assert_eq!(cell(&json!(1.0e-9)), "1.0000e-9");
        assert_eq!(cell(&json!("x")), "x");
        assert_eq!(cell(&json!("y".repeat(200))).chars().count(), CELL_CHARS);
        assert_eq!(duration(3725), "1h 02m");
        assert_eq!(duration(65), "1m 05s");
        assert_eq!(bytes(1500), "1.5 KB");
    }

    #[test]
    fn config_values_are_unwrapped() {
        let config = json!({"opt": {"value": {"lr": 0.1}}});
        assert_eq!(lookup(&config, "opt.lr", true), Some(&json!(0.1)));
        let summary = json!({"loss": 2});
        assert_eq!(lookup(&summary, "loss", false), Some(&json!(2)));
        assert_eq!(lookup(&summary, "nope", false), None);
    }
}
