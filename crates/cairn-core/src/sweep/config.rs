//! A sweep configuration: parsed once from the YAML (or JSON) text the
//! client sends, checked field by field, with the first problem reported
//! by the field's path (`parameters.lr: min (0.5) must be less than max
//! (0.1)`). Nothing is created from a configuration that fails here.

use serde_json::Value;

use super::hyperband::Hyperband;
use super::params::Param;
use crate::error::{CoreError, CoreResult};

/// Largest configuration text accepted, in bytes.
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;

/// Top-level keys W&B's configurations may carry; others get a warning.
const KNOWN_KEYS: &[&str] = &[
    "method",
    "metric",
    "parameters",
    "early_terminate",
    "run_cap",
    "program",
    "command",
    "name",
    "description",
    "project",
    "entity",
    "controller",
    "job",
    "image_uri",
    "scheduler",
    "launch",
    "apiVersion",
];

/// A search method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Every combination once.
    Grid,
    /// Independent draws.
    Random,
    /// A Gaussian-process model with expected improvement.
    Bayes,
}

impl Method {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Grid => "grid",
            Method::Random => "random",
            Method::Bayes => "bayes",
        }
    }
}

/// Which way the metric should go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// Lower is better (the default).
    Minimize,
    /// Higher is better.
    Maximize,
}

/// The metric the sweep optimises: a key of its runs' summaries.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// The summary key.
    pub name: String,
    /// Which way is better.
    pub goal: Goal,
}

/// A checked sweep configuration.
#[derive(Debug, Clone)]
pub struct SweepConfig {
    value: Value,
    method: Method,
    metric: Option<Metric>,
    /// Top-level parameters, in key order.
    pub(crate) parameters: Vec<(String, Param)>,
    run_cap: Option<u64>,
    hyperband: Option<Hyperband>,
    grid_size: Option<u64>,
}

fn invalid(message: String) -> CoreError {
    CoreError::InvalidInput(message)
}

impl SweepConfig {
    /// Parse and check a configuration; returns it with non-fatal warnings
    /// (unknown top-level keys).
    pub fn parse(text: &str) -> CoreResult<(SweepConfig, Vec<String>)> {
        if text.len() > MAX_CONFIG_BYTES {
            return Err(invalid(format!(
                "config: {} bytes; at most {MAX_CONFIG_BYTES} are accepted",
                text.len()
            )));
        }
        let value: Value = serde_yaml_ng::from_str(text)
            .map_err(|e| invalid(format!("config: not valid YAML: {e}")))?;
        Self::from_value(value)
    }

    /// Check an already-parsed configuration.
    pub fn from_value(value: Value) -> CoreResult<(SweepConfig, Vec<String>)> {
        let Value::Object(map) = &value else {
            return Err(invalid(
                "config: expected a mapping with method and parameters".into(),
            ));
        };
        let warnings: Vec<String> = map
            .keys()
            .filter(|k| !KNOWN_KEYS.contains(&k.as_str()))
            .map(|k| format!("{k}: unknown key, kept but not used"))
            .collect();
        let method = match map.get("method") {
            Some(Value::String(m)) => match m.as_str() {
                "grid" => Method::Grid,
                "random" => Method::Random,
                "bayes" => Method::Bayes,
                other => {
                    return Err(invalid(format!(
                        "method: unknown search method {other:?} (expected grid, random or bayes)"
                    )));
                }
            },
            None => return Err(invalid("method: missing (grid, random or bayes)".into())),
            Some(other) => return Err(invalid(format!("method: expected a name, got {other}"))),
        };
        let metric = match map.get("metric") {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => {
                let name = match m.get("name") {
                    Some(Value::String(n)) if !n.is_empty() => n.clone(),
                    _ => return Err(invalid("metric: name: missing; name a summary key".into())),
                };
                let goal = match m.get("goal") {
                    None | Some(Value::Null) => Goal::Minimize,
                    Some(Value::String(g)) if g == "minimize" => Goal::Minimize,
                    Some(Value::String(g)) if g == "maximize" => Goal::Maximize,
                    Some(other) => {
                        return Err(invalid(format!(
                            "metric: goal: expected minimize or maximize, got {other}"
                        )));
                    }
                };
                if let Some(t) = m.get("target").filter(|t| !t.is_null())
                    && !t.is_number()
                {
                    return Err(invalid(format!(
                        "metric: target: expected a number, got {t}"
                    )));
                }
                Some(Metric { name, goal })
            }
            Some(other) => {
                return Err(invalid(format!(
                    "metric: expected a mapping such as {{name: loss, goal: minimize}}, got {other}"
                )));
            }
        };
        let parameters = match map.get("parameters") {
            Some(Value::Object(params)) if !params.is_empty() => params
                .iter()
                .map(|(k, v)| Ok((k.clone(), Param::parse(&format!("parameters.{k}"), v)?)))
                .collect::<CoreResult<Vec<_>>>()?,
            Some(Value::Object(_)) | None => {
                return Err(invalid(
                    "parameters: a sweep needs at least one parameter".into(),
                ));
            }
            Some(other) => {
                return Err(invalid(format!(
                    "parameters: expected a mapping, got {other}"
                )));
            }
        };
        let run_cap = match map.get("run_cap") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64() {
                Some(n) if n > 0 => Some(n),
                _ => {
                    return Err(invalid(format!(
                        "run_cap: expected a positive integer, got {v}"
                    )));
                }
            },
        };
        let hyperband = match map.get("early_terminate") {
            None | Some(Value::Null) => None,
            Some(spec) => Some(Hyperband::parse(spec)?),
        };
        if method == Method::Bayes && metric.is_none() {
            return Err(invalid(
                "metric: bayes search needs a metric to optimise ({name: ..., goal: ...})".into(),
            ));
        }
        if hyperband.is_some() && metric.is_none() {
            return Err(invalid(
                "metric: early_terminate needs a metric to judge runs by".into(),
            ));
        }
        for key in ["program"] {
            if let Some(v) = map.get(key).filter(|v| !v.is_null() && !v.is_string()) {
                return Err(invalid(format!("{key}: expected a string, got {v}")));
            }
        }
        if let Some(v) = map.get("command").filter(|v| !v.is_null() && !v.is_array()) {
            return Err(invalid(format!("command: expected a list, got {v}")));
        }
        let grid_size = match method {
            Method::Grid => Some(super::search::grid_size(&parameters)?),
            _ => None,
        };
        Ok((
            SweepConfig {
                value,
                method,
                metric,
                parameters,
                run_cap,
                hyperband,
                grid_size,
            },
            warnings,
        ))
    }

    /// The search method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The metric, if any.
    pub fn metric(&self) -> Option<&Metric> {
        self.metric.as_ref()
    }

    /// The most runs the sweep starts, if capped.
    pub fn run_cap(&self) -> Option<u64> {
        self.run_cap
    }

    /// For a grid: how many combinations there are.
    pub fn grid_size(&self) -> Option<u64> {
        self.grid_size
    }

    /// How many runs the sweep starts in all, when bounded.
    pub fn expected_run_count(&self) -> Option<u64> {
        match (self.run_cap, self.grid_size) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The program agents run.
    pub fn program(&self) -> Option<&str> {
        self.value.get("program").and_then(Value::as_str)
    }

    /// Early termination, if configured.
    pub fn hyperband(&self) -> Option<&Hyperband> {
        self.hyperband.as_ref()
    }

    /// The configuration as parsed.
    pub fn to_json(&self) -> &Value {
        &self.value
    }
}
