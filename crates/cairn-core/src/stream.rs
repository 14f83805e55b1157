//! What one `file_stream` request carries, checked and ready to store.
//!
//! The wire format (see `wandb-wire-protocol.md` §B.3) sends each file as an
//! offset plus lines. This module turns a history line into the few facts
//! storage needs — its `_step` and its keys' types — without re-encoding the
//! line, and reads W&B's relaxed JSON (bare `NaN`, `Infinity`, `-Infinity`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::CoreError;

/// Longest line accepted, in bytes (the client itself skips lines over
/// ~9.9 MiB).
pub const MAX_LINE_BYTES: usize = 10 << 20;

/// A run of consecutive lines of one file, starting at `offset`.
#[derive(Debug, Clone, Default)]
pub struct Chunk<T> {
    /// Index of the first line.
    pub offset: i64,
    /// The lines.
    pub lines: Vec<T>,
}

/// One history line, analysed.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    /// Its `_step` (the line offset when the client sent none).
    pub step: i64,
    /// Top-level keys and their W&B type names.
    pub keys: Vec<(String, &'static str)>,
    /// The line as sent.
    pub raw: String,
}

/// Everything one `file_stream` request asks to store.
#[derive(Debug, Clone, Default)]
pub struct StreamBatch {
    /// `wandb-history.jsonl` lines.
    pub history: Option<Chunk<HistoryLine>>,
    /// `wandb-events.jsonl` lines (raw JSON).
    pub events: Option<Chunk<String>>,
    /// The newest complete `wandb-summary.json`.
    pub summary: Option<String>,
    /// `output.log` lines.
    pub logs: Option<Chunk<String>>,
    /// `preempting: true`.
    pub preempting: bool,
    /// `complete: true` with its exit code.
    pub complete: Option<i64>,
}

/// The server's answer to a stream request.
#[derive(Debug, Clone, Copy, Default)]
pub struct StreamOutcome {
    /// The run was asked to stop; the client should stop it.
    pub stopped: bool,
}

/// Analyse a history line at `line_no`.
pub fn history_line(line_no: i64, raw: String) -> Result<HistoryLine, CoreError> {
    let object = parse_object("wandb-history.jsonl", line_no, &raw)?;
    let step = match object.get("_step") {
        None | Some(Value::Null) => line_no,
        Some(v) => v.as_i64().ok_or_else(|| {
            CoreError::InvalidInput(format!(
                "wandb-history.jsonl line {line_no}: _step must be an integer, got {v}."
            ))
        })?,
    };
    let keys = object
        .iter()
        .map(|(k, v)| (k.clone(), type_name(v)))
        .collect();
    Ok(HistoryLine { step, keys, raw })
}

/// Check that a line is a JSON object (events, summary).
pub fn check_object(file: &str, line_no: i64, raw: &str) -> Result<(), CoreError> {
    parse_object(file, line_no, raw).map(|_| ())
}

/// Parse W&B's relaxed JSON into a value; NaN and infinities become the
/// strings `"NaN"`, `"Infinity"` and `"-Infinity"` (one parser for the
/// server and the client, in `cairn-types`).
pub use cairn_types::relaxed::parse as parse_relaxed;

fn parse_object(
    file: &str,
    line_no: i64,
    raw: &str,
) -> Result<serde_json::Map<String, Value>, CoreError> {
    if raw.len() > MAX_LINE_BYTES {
        return Err(CoreError::InvalidInput(format!(
            "{file} line {line_no} is {} bytes; the limit is {MAX_LINE_BYTES}.",
            raw.len()
        )));
    }
    match parse_relaxed(raw) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(CoreError::InvalidInput(format!(
            "{file} line {line_no} is not a JSON object."
        ))),
        Err(e) => Err(CoreError::InvalidInput(format!(
            "{file} line {line_no} is not valid JSON: {e}."
        ))),
    }
}

/// W&B's type names for history keys.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nil",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        v if cairn_types::relaxed::is_non_finite_marker(v) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}

/// Count key types over analysed lines, for the run's key table.
pub fn key_counts(lines: &[HistoryLine]) -> BTreeMap<(String, &'static str), i64> {
    let mut counts = BTreeMap::new();
    for line in lines {
        for (key, ty) in &line.keys {
            *counts.entry((key.clone(), *ty)).or_insert(0) += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_step_and_key_types() {
        let line = history_line(
            3,
            r#"{"_step": 7, "loss": 0.5, "name": "x", "acc": {"top1": 1}}"#.into(),
        )
        .unwrap();
        assert_eq!(line.step, 7);
        let mut keys = line.keys.clone();
        keys.sort();
        assert_eq!(
            keys,
            vec![
                ("_step".to_string(), "number"),
                ("acc".to_string(), "map"),
                ("loss".to_string(), "number"),
                ("name".to_string(), "string"),
            ]
        );
    }

    #[test]
    fn accepts_bare_nan_and_infinity_outside_strings_only() {
        let raw = r#"{"_step": 1, "a": NaN, "b": -Infinity, "c": "NaN inside", "d": Infinity}"#;
        let line = history_line(0, raw.into()).unwrap();
        assert_eq!(line.raw, raw, "the stored line is untouched");
        let v = parse_relaxed(raw).unwrap();
        assert_eq!(v["a"], "NaN");
        assert_eq!(v["b"], "-Infinity");
        assert_eq!(v["c"], "NaN inside");
        assert!(line.keys.contains(&("a".to_string(), "number")));
    }

    #[test]
    fn missing_step_falls_back_to_line_number() {
        assert_eq!(history_line(42, r#"{"x": 1}"#.into()).unwrap().step, 42);
    }

    #[test]
    fn rejects_non_objects_and_bad_steps_with_the_line_number() {
        let err = history_line(5, "[1,2]".into()).unwrap_err().to_string();
        assert!(
            err.contains("line 5") && err.contains("not a JSON object"),
            "{err}"
        );
        let err = history_line(6, r#"{"_step": "x"}"#.into())
            .unwrap_err()
            .to_string();
        assert!(err.contains("_step must be an integer"), "{err}");
        let err = history_line(7, "{oops".into()).unwrap_err().to_string();
        assert!(err.contains("not valid JSON"), "{err}");
    }

    #[test]
    fn escaped_quotes_do_not_confuse_the_scanner() {
        let raw = r#"{"s": "a \"NaN\" b", "n": NaN}"#;
        let v = parse_relaxed(raw).unwrap();
        assert_eq!(v["s"], "a \"NaN\" b");
        assert_eq!(v["n"], "NaN");
    }
}
