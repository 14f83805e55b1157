//! Hyperband early termination, as W&B's sweeps apply it: runs are judged
//! at milestones (bands) of their metric history, and a run that has
//! reached a milestone is stopped when its metric there is worse than the
//! cut-off that keeps the best `1/eta` of the sweep's runs at that
//! milestone.
//!
//! Milestones come from `min_iter` (`min_iter`, `min_iter·eta`, …, `s` of
//! them, 3 by default) or from `max_iter` and `s` (`max_iter/eta^s`, …,
//! `max_iter/eta`). An iteration is one logged value of the metric. A run
//! is judged at the last milestone it has reached, by its best value so
//! far; with `strict: true`, by its value at the milestone itself.

use serde_json::Value;

use super::config::Goal;
use crate::error::{CoreError, CoreResult};

/// Most milestones a configuration may ask for.
const MAX_BANDS: u32 = 32;

/// A checked `early_terminate` section.
#[derive(Debug, Clone, PartialEq)]
pub struct Hyperband {
    milestones: Vec<u64>,
    eta: f64,
    strict: bool,
}

fn invalid(message: String) -> CoreError {
    CoreError::InvalidInput(format!("early_terminate: {message}"))
}

impl Hyperband {
    /// Parse and check `early_terminate`.
    pub fn parse(spec: &Value) -> CoreResult<Hyperband> {
        let Value::Object(spec) = spec else {
            return Err(invalid(format!("expected a mapping, got {spec}")));
        };
        match spec.get("type").and_then(Value::as_str) {
            Some("hyperband") => {}
            Some(other) => {
                return Err(invalid(format!(
                    "type: unknown type {other:?} (only hyperband is supported)"
                )));
            }
            None => return Err(invalid("type: missing (hyperband)".into())),
        }
        let int = |key: &str| -> CoreResult<Option<u64>> {
            match spec.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => match v.as_u64() {
                    Some(n) if n > 0 => Ok(Some(n)),
                    _ => Err(invalid(format!(
                        "{key}: expected a positive integer, got {v}"
                    ))),
                },
            }
        };
        let eta = match spec.get("eta") {
            None | Some(Value::Null) => 3.0,
            Some(v) => match v.as_f64() {
                Some(e) if e > 1.0 && e.is_finite() => e,
                _ => return Err(invalid(format!("eta: expected a number above 1, got {v}"))),
            },
        };
        let strict = match spec.get("strict") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(v) => return Err(invalid(format!("strict: expected true or false, got {v}"))),
        };
        let s = int("s")?;
        if s.is_some_and(|s| s > u64::from(MAX_BANDS)) {
            return Err(invalid(format!("s: at most {MAX_BANDS} brackets")));
        }
        let milestones: Vec<u64> = match (int("min_iter")?, int("max_iter")?) {
            (Some(min_iter), _) => (0..s.unwrap_or(3) as i32)
                .map(|k| (min_iter as f64 * eta.powi(k)).round() as u64)
                .collect(),
            (None, Some(max_iter)) => {
                let s =
                    s.ok_or_else(|| invalid("s: max_iter needs s, the number of brackets".into()))?;
                (1..=s as i32)
                    .rev()
                    .map(|k| (max_iter as f64 / eta.powi(k)).floor() as u64)
                    .filter(|m| *m > 0)
                    .collect()
            }
            (None, None) => {
                return Err(invalid("give min_iter, or max_iter and s".into()));
            }
        };
        let mut milestones = milestones;
        milestones.dedup();
        if milestones.is_empty() {
            return Err(invalid(
                "max_iter is too small for s brackets at this eta".into(),
            ));
        }
        Ok(Hyperband {
            milestones,
            eta,
            strict,
        })
    }

    /// The iteration counts at which runs are judged, ascending.
    pub fn milestones(&self) -> Vec<u64> {
        self.milestones.clone()
    }

    /// Which of `running` should stop, given every sweep run's metric
    /// history (values in logging order).
    pub fn to_stop<'a>(
        &self,
        goal: Goal,
        histories: &[(&'a str, &[f64])],
        running: &[&'a str],
    ) -> Vec<&'a str> {
        // Lower is better from here on.
        let sign = match goal {
            Goal::Minimize => 1.0,
            Goal::Maximize => -1.0,
        };
        let at = |values: &[f64], milestone: u64| -> Option<f64> {
            let n = usize::try_from(milestone).ok()?;
            if values.len() < n || n == 0 {
                return None;
            }
            let value = if self.strict {
                sign * values[n - 1]
            } else {
                values[..n]
                    .iter()
                    .map(|v| sign * v)
                    .filter(|v| !v.is_nan())
                    .fold(f64::INFINITY, f64::min)
            };
            Some(if value.is_nan() { f64::INFINITY } else { value })
        };
        let mut stop = Vec::new();
        for (name, values) in histories {
            if !running.contains(name) {
                continue;
            }
            let Some(milestone) = self
                .milestones
                .iter()
                .rev()
                .find(|m| values.len() as u64 >= **m)
            else {
                continue;
            };
            let Some(mine) = at(values, *milestone) else {
                continue;
            };
            let mut others: Vec<f64> = histories
                .iter()
                .filter_map(|(_, v)| at(v, *milestone))
                .collect();
            others.sort_by(f64::total_cmp);
            // Keep the best ceil(n / eta); the worst kept is the cut-off.
            let keep = ((others.len() as f64) / self.eta).ceil().max(1.0) as usize;
            let cutoff = others[keep.min(others.len()) - 1];
            if mine > cutoff {
                stop.push(*name);
            }
        }
        stop
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn band(spec: Value) -> Hyperband {
        Hyperband::parse(&spec).unwrap()
    }

    #[test]
    fn milestones_from_min_iter_or_max_iter() {
        assert_eq!(
            band(json!({"type": "hyperband", "min_iter": 3})).milestones(),
            [3, 9, 27]
        );
        assert_eq!(
            band(json!({"type": "hyperband", "min_iter": 2, "eta": 2, "s": 4})).milestones(),
            [2, 4, 8, 16]
        );
        assert_eq!(
            band(json!({"type": "hyperband", "max_iter": 27, "s": 2})).milestones(),
            [3, 9]
        );
    }

    #[test]
    fn bad_sections_name_the_field() {
        for (spec, field) in [
            (json!({"type": "median"}), "type"),
            (json!({"type": "hyperband"}), "min_iter"),
            (json!({"type": "hyperband", "max_iter": 27}), "s"),
            (json!({"type": "hyperband", "min_iter": 3, "eta": 1}), "eta"),
            (json!({"type": "hyperband", "min_iter": -1}), "min_iter"),
            (
                json!({"type": "hyperband", "min_iter": 3, "strict": "yes"}),
                "strict",
            ),
        ] {
            let err = Hyperband::parse(&spec).unwrap_err().to_string();
            assert!(err.contains(field), "{spec}: {err}");
        }
    }

    #[test]
    fn runs_below_the_cut_off_stop_and_the_best_go_on() {
        let hb = band(json!({"type": "hyperband", "min_iter": 2, "eta": 2}));
        let (a, b, c, d) = ([0.5, 0.4, 0.3], [0.6, 0.5], [0.55, 0.45], [5.0, 4.0, 3.0]);
        let histories = [("a", &a[..]), ("b", &b[..]), ("c", &c[..]), ("d", &d[..])];
        let stop = hb.to_stop(Goal::Minimize, &histories, &["a", "b", "c", "d"]);
        assert_eq!(stop, ["b", "d"]);
        // Maximising turns it round.
        let stop = hb.to_stop(Goal::Maximize, &histories, &["a", "d"]);
        assert_eq!(stop, ["a"]);
        // Runs not yet at a milestone, or not running, are left alone.
        let short = [9.0];
        let stop = hb.to_stop(Goal::Minimize, &[("a", &a[..]), ("s", &short[..])], &["s"]);
        assert!(stop.is_empty());
    }

    #[test]
    fn strict_judges_the_value_at_the_milestone() {
        let lax = band(json!({"type": "hyperband", "min_iter": 2, "eta": 2}));
        let strict = band(json!({"type": "hyperband", "min_iter": 2, "eta": 2, "strict": true}));
        // `b` was best early, then worse at the milestone.
        let (a, b) = ([0.5, 0.5], [0.1, 0.9]);
        let histories = [("a", &a[..]), ("b", &b[..])];
        assert!(lax.to_stop(Goal::Minimize, &histories, &["b"]).is_empty());
        assert_eq!(strict.to_stop(Goal::Minimize, &histories, &["b"]), ["b"]);
    }

    #[test]
    fn a_lone_run_is_never_stopped() {
        let hb = band(json!({"type": "hyperband", "min_iter": 1}));
        let a = [100.0, 100.0];
        assert!(
            hb.to_stop(Goal::Minimize, &[("a", &a[..])], &["a"])
                .is_empty()
        );
    }
}
