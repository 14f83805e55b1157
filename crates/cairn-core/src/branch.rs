//! Branch points: where a forked run leaves its parent, and where a
//! rewound run starts again.
//!
//! The official client (wandb-core) sends no separate request for a fork:
//! `wandb.init(fork_from="src?_step=N")` creates the new run with
//! `upsertBucket` and puts `{"step": N, "run_id": "src"}` under
//! `_wandb.value.branch_point` in the config; its history then starts at
//! step N+1, file_stream offset 0. `resume_from="run?_step=N"` sends the
//! `rewindRun` mutation with `metricName: "_step"`, `metricValue: N` first,
//! then resumes at the `historyLineCount` it answers. W&B supports `_step`
//! as the only branching metric, and so does Cairn.

use serde_json::Value;

use crate::error::{CoreError, CoreResult};

/// The metric W&B branches runs on.
pub const BRANCH_METRIC: &str = "_step";

/// A fork's parent run and the last step it takes from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchPoint {
    /// The parent's run id, in the fork's project.
    pub run_id: String,
    /// The last parent step the fork keeps.
    pub step: i64,
}

/// The branch point a run's config document names
/// (`_wandb.value.branch_point`), if any. A config that is not JSON or
/// names none has none.
pub fn branch_point(config: &str) -> Option<BranchPoint> {
    let doc: Value = cairn_types::relaxed::parse(config).ok()?;
    let point = doc.get("_wandb")?.get("value")?.get("branch_point")?;
    let run_id = point.get("run_id")?.as_str()?.to_string();
    let step = point.get("step").and_then(step_of)?;
    Some(BranchPoint { run_id, step })
}

fn step_of(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

/// The step a `rewindRun` keeps history up to: the metric must be `_step`
/// and the value a finite, non-negative number (a fraction is cut, as the
/// client cuts it).
pub fn rewind_step(metric_name: &str, metric_value: f64) -> CoreResult<i64> {
    if metric_name != BRANCH_METRIC {
        return Err(CoreError::InvalidInput(format!(
            "Runs can be rewound only to a `{BRANCH_METRIC}`, not to metric `{metric_name}`."
        )));
    }
    if !metric_value.is_finite() || metric_value < 0.0 {
        return Err(CoreError::InvalidInput(format!(
            "Cannot rewind a run to step {metric_value}: a step is a non-negative number."
        )));
    }
    Ok(metric_value as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_branch_point_the_client_sends() {
        let config = r#"{"_wandb":{"value":{"cli_version":"0.31.0","branch_point":{"step":4,"run_id":"src1"}}},"b":{"value":2}}"#;
        assert_eq!(
            branch_point(config),
            Some(BranchPoint {
                run_id: "src1".into(),
                step: 4
            })
        );
    }

    #[test]
    fn configs_without_a_branch_point_have_none() {
        for config in [
            "{}",
            "not json",
            r#"{"_wandb":{"value":{}}}"#,
            r#"{"_wandb":{"value":{"branch_point":{"step":"x","run_id":"a"}}}}"#,
        ] {
            assert_eq!(branch_point(config), None, "{config}");
        }
    }

    #[test]
    fn rewinds_only_to_a_step() {
        assert_eq!(rewind_step("_step", 6.0).unwrap(), 6);
        assert_eq!(rewind_step("_step", 6.7).unwrap(), 6);
        let err = rewind_step("loss", 1.0).unwrap_err().to_string();
        assert!(err.contains("loss"), "{err}");
        assert!(rewind_step("_step", -1.0).is_err());
        assert!(rewind_step("_step", f64::NAN).is_err());
    }
}
