//! PLACEHOLDER so the crate compiles while the real compiler is written;
//! the filter-compiler task replaces this whole file.
#![allow(dead_code)]

use cairn_core::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Registry,
    Collection,
    Version,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Int(i64),
    Real(f64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub sql: String,
    pub binds: Vec<Bind>,
}

pub(crate) fn compile(scope: Scope, filter: &serde_json::Value) -> Result<Condition, StoreError> {
    let _ = scope;
    match filter.as_object() {
        Some(o) if o.is_empty() => Ok(Condition {
            sql: "1".into(),
            binds: vec![],
        }),
        Some(o) if o.len() == 1 && o.get("state").is_some_and(|v| v.is_string()) => Ok(Condition {
            sql: "a.state = ?".into(),
            binds: vec![Bind::Text(o["state"].as_str().unwrap_or_default().into())],
        }),
        _ => Err(StoreError::InvalidQuery(
            "filters are not supported yet".into(),
        )),
    }
}
