//! Run specs: what `launch_add` pushes and an agent pops. A pushed spec
//! gets its queue's resource type and resource arguments (with template
//! variables filled in), so the spec an agent pops, and the one the push
//! answers with (the official client reads `resource` and `resource_args`
//! back from it), is the one that runs.
//!
//! One addition of Cairn's: the official agent's `local-process` runner
//! ignores resource arguments, so a `local-process` queue's `args` list
//! becomes the run's argument overrides (`overrides.args`) when the pushed
//! spec has none. That is how a queue configured with
//! `{"args": ["--epochs", "{{epochs}}"]}` runs `python train.py --epochs 5`.

use serde_json::{Map, Value};

use super::template::{Templates, placeholders, substitute};
use super::{MAX_DOCUMENT_BYTES, RESOURCES};
use crate::error::{CoreError, CoreResult};

fn invalid(message: String) -> CoreError {
    CoreError::InvalidInput(message)
}

/// `Ok` for a resource type W&B's agents run.
pub fn check_resource(resource: &str) -> CoreResult<()> {
    if RESOURCES.contains(&resource) {
        Ok(())
    } else {
        Err(invalid(format!(
            "resource: unknown resource type {resource:?} (expected one of {})",
            RESOURCES.join(", ")
        )))
    }
}

/// Parse a JSON object argument, bounded in size; `field` names it in errors.
pub fn parse_object(field: &str, text: &str) -> CoreResult<Map<String, Value>> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(invalid(format!(
            "{field}: {} bytes is more than the {MAX_DOCUMENT_BYTES} allowed",
            text.len()
        )));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid(format!("{field}: expected a JSON object"))),
        Err(e) => Err(invalid(format!("{field}: not valid JSON: {e}"))),
    }
}

/// Parse a resource configuration (`{"resource_args": {...}}`).
pub fn parse_config(text: &str) -> CoreResult<Map<String, Value>> {
    let map = parse_object("config", text)?;
    match map.get("resource_args") {
        None | Some(Value::Object(_)) => Ok(map),
        Some(_) => Err(invalid(
            "config.resource_args: expected an object of resource arguments".into(),
        )),
    }
}

/// What is questionable in a queue's configuration without being wrong:
/// placeholders with no variable, variables no placeholder uses, arguments
/// for another resource type (W&B's `configSchemaValidationErrors`).
pub fn config_warnings(
    config: &Map<String, Value>,
    resource: &str,
    templates: &Templates,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let args = config.get("resource_args").cloned().unwrap_or(Value::Null);
    let used = placeholders(&args);
    for name in &used {
        if templates.get(name).is_none() {
            warnings.push(format!(
                "{{{{{name}}}}} is used in the configuration but is not a template variable"
            ));
        }
    }
    for variable in &templates.0 {
        if !used.contains(&variable.name) {
            warnings.push(format!(
                "template variable {:?} is not used in the configuration",
                variable.name
            ));
        }
    }
    if let Value::Object(args) = &args {
        for key in args.keys() {
            if key != resource && key != "builder" {
                warnings.push(format!(
                    "resource_args.{key}: arguments for {key:?} on a {resource:?} queue are not used"
                ));
            }
        }
    }
    warnings
}

/// A pushed spec made ready for an agent.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The spec, JSON text.
    pub spec: String,
    /// The run's entity, from the spec.
    pub entity: Option<String>,
    /// The run's project, from the spec.
    pub project: Option<String>,
    /// The job it runs (`entity/project/name:alias`), from the spec.
    pub job: Option<String>,
}

/// Apply the queue's resource (`resource`, `config` with `values` filled
/// in) to the pushed `run_spec`. Arguments the push brings itself win over
/// the queue's.
pub fn prepare(
    run_spec: &str,
    resource: Option<&str>,
    config: Option<&Map<String, Value>>,
    values: &Map<String, Value>,
) -> CoreResult<Prepared> {
    let mut spec = parse_object("runSpec", run_spec)?;
    if let Some(resource) = resource {
        spec.insert("resource".into(), Value::String(resource.to_string()));
    }
    let queue_args = config
        .and_then(|c| c.get("resource_args"))
        .map(|args| substitute(args, values))
        .unwrap_or(Value::Object(Map::new()));
    let pushed_args = match spec.remove("resource_args") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(args @ Value::Object(_)) => args,
        Some(_) => {
            return Err(invalid(
                "runSpec.resource_args: expected an object of resource arguments".into(),
            ));
        }
    };
    let args = merge(queue_args, pushed_args);
    if let Some("local-process") = resource
        && let Some(Value::Array(list)) = args.pointer("/local-process/args")
    {
        let overrides = spec
            .entry("overrides")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(overrides) = overrides {
            let empty = match overrides.get("args") {
                None | Some(Value::Null) => true,
                Some(Value::Array(a)) => a.is_empty(),
                Some(_) => false,
            };
            if empty {
                let words = list
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => Value::String(s.clone()),
                        other => Value::String(other.to_string()),
                    })
                    .collect();
                overrides.insert("args".into(), Value::Array(words));
            }
        }
    }
    if args.as_object().is_some_and(|a| !a.is_empty()) {
        spec.insert("resource_args".into(), args);
    }
    let text_of = |key: &str| spec.get(key).and_then(Value::as_str).map(str::to_string);
    Ok(Prepared {
        entity: text_of("entity"),
        project: text_of("project"),
        job: text_of("job"),
        spec: Value::Object(spec).to_string(),
    })
}

/// `over` laid on `base`: objects merge key by key, anything else replaces.
fn merge(base: Value, over: Value) -> Value {
    match (base, over) {
        (Value::Object(mut base), Value::Object(over)) => {
            for (key, value) in over {
                let merged = match base.remove(&key) {
                    Some(old) => merge(old, value),
                    None => value,
                };
                base.insert(key, merged);
            }
            Value::Object(base)
        }
        (_, over) => over,
    }
}
