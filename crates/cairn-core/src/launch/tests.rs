use serde_json::json;

use super::records::ItemState;
use super::spec::{check_resource, config_warnings, parse_config, prepare};
use super::template::{Templates, substitute};

const EPOCHS: &str = r#"{"epochs": {"schema": {"type": "integer", "default": 3, "minimum": 1, "maximum": 100}},
                         "opt": {"schema": {"type": "string", "enum": ["adam", "sgd"]}}}"#;

#[test]
fn values_are_checked_and_defaults_filled() {
    let t = Templates::parse(EPOCHS).unwrap();
    let got = t.resolve(Some(r#"{"opt": "sgd"}"#)).unwrap();
    assert_eq!(got["epochs"], json!(3));
    assert_eq!(got["opt"], json!("sgd"));
    let err = |v: &str| t.resolve(Some(v)).unwrap_err().to_string();
    assert!(
        err(r#"{"opt": "sgd", "epochs": 0}"#)
            .contains("templateVariableValues.epochs: 0 is less than the minimum 1")
    );
    assert!(err(r#"{"opt": "sgd", "epochs": 101}"#).contains("greater than the maximum 100"));
    assert!(err(r#"{"opt": "sgd", "epochs": "5"}"#).contains("epochs: expected an integer"));
    assert!(err(r#"{"opt": "sgd", "epochs": 2.5}"#).contains("expected an integer"));
    assert!(
        err(r#"{"opt": "rmsprop"}"#)
            .contains("templateVariableValues.opt: \"rmsprop\" is not one of")
    );
    assert!(err(r#"{"opt": "sgd", "lr": 1}"#).contains("has no template variable \"lr\""));
    assert!(err("{}").contains("templateVariableValues.opt: required"));
    assert!(err("[1]").contains("expected an object"));
    assert!(err("{").contains("not valid JSON"));
}

#[test]
fn bad_schemas_are_refused_with_the_variable_named() {
    let err = |v: &str| Templates::parse(v).unwrap_err().to_string();
    assert!(
        err(r#"{"e": {"schema": {"type": "float"}}}"#).contains("templateVariables.e.schema.type")
    );
    assert!(
        err(r#"{"e": {"schema": {"type": "integer", "minimum": 5, "maximum": 1}}}"#)
            .contains("minimum (5) is greater than maximum (1)")
    );
    assert!(
        err(r#"{"e": {"schema": {"type": "integer", "default": 0, "minimum": 1}}}"#)
            .contains("templateVariables.e.schema.default")
    );
    assert!(
        err(r#"{"e": {"type": "integer"}}"#).contains("templateVariables.e: expected {\"schema\"")
    );
    assert!(err(r#"{"a b": {"schema": {"type": "integer"}}}"#).contains("a variable name"));
    assert_eq!(Templates::parse("{}").unwrap(), Templates::default());
    assert_eq!(Templates::parse("").unwrap(), Templates::default());
}

#[test]
fn substitution_keeps_types_of_whole_placeholders() {
    let values = serde_json::from_value(json!({"epochs": 5, "name": "x"})).unwrap();
    let doc = json!({"args": ["--epochs", "{{epochs}}", "--tag={{ name }}-{{epochs}}", "{{missing}}"], "n": 1});
    assert_eq!(
        substitute(&doc, &values),
        json!({"args": ["--epochs", 5, "--tag=x-5", "{{missing}}"], "n": 1})
    );
}

#[test]
fn a_push_gets_the_queue_resource_and_its_args() {
    let config = parse_config(
        r#"{"resource_args": {"local-process": {"args": ["--epochs", "{{epochs}}"]}}}"#,
    )
    .unwrap();
    let values = serde_json::from_value(json!({"epochs": 5})).unwrap();
    let p = prepare(
        r#"{"job": "ml/p/trainer:latest", "entity": "ml", "project": "p", "resource": "local-container", "overrides": {}}"#,
        Some("local-process"),
        Some(&config),
        &values,
    )
    .unwrap();
    let spec: serde_json::Value = serde_json::from_str(&p.spec).unwrap();
    assert_eq!(spec["resource"], "local-process");
    assert_eq!(spec["overrides"]["args"], json!(["--epochs", "5"]));
    assert_eq!(
        spec["resource_args"]["local-process"]["args"],
        json!(["--epochs", 5])
    );
    assert_eq!(
        (p.entity.as_deref(), p.project.as_deref()),
        (Some("ml"), Some("p"))
    );
    assert_eq!(p.job.as_deref(), Some("ml/p/trainer:latest"));

    // The push's own args win.
    let p = prepare(
        r#"{"overrides": {"args": ["--x"]}, "resource_args": {"local-process": {"env": ["A=1"]}}}"#,
        Some("local-process"),
        Some(&config),
        &values,
    )
    .unwrap();
    let spec: serde_json::Value = serde_json::from_str(&p.spec).unwrap();
    assert_eq!(spec["overrides"]["args"], json!(["--x"]));
    assert_eq!(
        spec["resource_args"]["local-process"]["env"],
        json!(["A=1"])
    );

    assert!(
        prepare("[]", None, None, &values)
            .unwrap_err()
            .to_string()
            .contains("runSpec: expected a JSON object")
    );
    assert!(prepare(r#"{"resource_args": 3}"#, None, None, &values).is_err());
}

#[test]
fn config_checks() {
    assert!(check_resource("local-process").is_ok());
    assert!(
        check_resource("slurm")
            .unwrap_err()
            .to_string()
            .contains("unknown resource type")
    );
    assert!(
        parse_config("{nope")
            .unwrap_err()
            .to_string()
            .contains("config: not valid JSON")
    );
    assert!(parse_config(r#"{"resource_args": []}"#).is_err());
    let config = parse_config(
        r#"{"resource_args": {"local-process": {"args": ["{{foo}}"]}, "kubernetes": {}}}"#,
    )
    .unwrap();
    let t = Templates::parse(EPOCHS).unwrap();
    let w = config_warnings(&config, "local-process", &t);
    assert!(w.iter().any(|w| w.contains("{{foo}} is used")), "{w:?}");
    assert!(
        w.iter().any(|w| w.contains("\"epochs\" is not used")),
        "{w:?}"
    );
    assert!(
        w.iter().any(|w| w.contains("resource_args.kubernetes")),
        "{w:?}"
    );
}

#[test]
fn claimed_items_read_as_their_run() {
    assert_eq!(
        ItemState::Claimed.with_run(Some("finished")),
        ItemState::Finished
    );
    assert_eq!(
        ItemState::Claimed.with_run(Some("crashed")),
        ItemState::Failed
    );
    assert_eq!(
        ItemState::Claimed.with_run(Some("running")),
        ItemState::Claimed
    );
    assert_eq!(
        ItemState::Leased.with_run(Some("finished")),
        ItemState::Leased
    );
}
