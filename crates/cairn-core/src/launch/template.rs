//! Template variables: a queue's resource configuration may say
//! `{{epochs}}`, and each such variable has a JSON schema (`type` integer,
//! number or string; `minimum`, `maximum`, `enum`, `default`). A push
//! brings values; they are checked against the schemas before anything is
//! stored, missing ones take their default, and the configuration is filled
//! in ([`substitute`]).
//!
//! W&B documents the schema but not which parts its server enforces; Cairn
//! enforces all of the above and names the variable in every error.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::error::{CoreError, CoreResult};

/// The JSON type a variable takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarType {
    /// A whole number.
    Integer,
    /// Any number.
    Number,
    /// Text.
    String,
}

/// One variable's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// Its name, as written between the braces.
    pub name: String,
    /// Its type.
    pub kind: VarType,
    /// Smallest allowed number.
    pub minimum: Option<f64>,
    /// Largest allowed number.
    pub maximum: Option<f64>,
    /// The only allowed values, when given.
    pub allowed: Option<Vec<Value>>,
    /// Used when a push brings no value.
    pub default: Option<Value>,
    /// The schema exactly as given (returned to clients).
    pub schema: Value,
}

/// A queue's template variables, in name order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Templates(pub Vec<Variable>);

fn invalid(message: String) -> CoreError {
    CoreError::InvalidInput(message)
}

impl Templates {
    /// Parse `{"<name>": {"schema": {...}}}`. Empty text, `null` and `{}`
    /// mean no variables.
    pub fn parse(text: &str) -> CoreResult<Templates> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Templates::default());
        }
        let value: Value = serde_json::from_str(text)
            .map_err(|e| invalid(format!("templateVariables: not valid JSON: {e}")))?;
        let map = match value {
            Value::Null => return Ok(Templates::default()),
            Value::Object(map) => map,
            _ => {
                return Err(invalid(
                    "templateVariables: expected an object of {\"<name>\": {\"schema\": {...}}}"
                        .into(),
                ));
            }
        };
        let mut variables = Vec::with_capacity(map.len());
        for (name, entry) in map {
            variables.push(Variable::parse(&name, &entry)?);
        }
        variables.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Templates(variables))
    }

    /// The variable called `name`.
    pub fn get(&self, name: &str) -> Option<&Variable> {
        self.0.iter().find(|v| v.name == name)
    }

    /// Check `values` (a JSON object, or absent) against the schemas and
    /// add defaults: the values to fill in, one per variable that has one.
    pub fn resolve(&self, values: Option<&str>) -> CoreResult<Map<String, Value>> {
        let given = match values.map(str::trim) {
            None | Some("") => Map::new(),
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => map,
                Ok(Value::Null) => Map::new(),
                Ok(_) => {
                    return Err(invalid(
                        "templateVariableValues: expected an object of {\"<name>\": value}".into(),
                    ));
                }
                Err(e) => {
                    return Err(invalid(format!(
                        "templateVariableValues: not valid JSON: {e}"
                    )));
                }
            },
        };
        for name in given.keys() {
            if self.get(name).is_none() {
                let known: Vec<&str> = self.0.iter().map(|v| v.name.as_str()).collect();
                return Err(invalid(format!(
                    "templateVariableValues.{name}: the queue has no template variable {name:?} \
                     (it has: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
        let mut resolved = Map::new();
        for variable in &self.0 {
            match given.get(&variable.name) {
                Some(value) => {
                    variable.check(value, "templateVariableValues")?;
                    resolved.insert(variable.name.clone(), value.clone());
                }
                None => match &variable.default {
                    Some(value) => {
                        resolved.insert(variable.name.clone(), value.clone());
                    }
                    None => {
                        return Err(invalid(format!(
                            "templateVariableValues.{}: required (it has no default)",
                            variable.name
                        )));
                    }
                },
            }
        }
        Ok(resolved)
    }

    /// `{"<name>": {"schema": ...}}` as given, for storage.
    pub fn to_json(&self) -> String {
        let map: Map<String, Value> = self
            .0
            .iter()
            .map(|v| {
                let mut entry = Map::new();
                entry.insert("schema".into(), v.schema.clone());
                (v.name.clone(), Value::Object(entry))
            })
            .collect();
        Value::Object(map).to_string()
    }
}

impl Variable {
    fn parse(name: &str, entry: &Value) -> CoreResult<Variable> {
        let at = format!("templateVariables.{name}");
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(invalid(format!(
                "{at}: a variable name is letters, digits, '_' and '-'"
            )));
        }
        let schema = entry
            .get("schema")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid(format!("{at}: expected {{\"schema\": {{...}}}}")))?;
        let kind = match schema.get("type").and_then(Value::as_str) {
            Some("integer") => VarType::Integer,
            Some("number") => VarType::Number,
            Some("string") => VarType::String,
            other => {
                return Err(invalid(format!(
                    "{at}.schema.type: expected \"integer\", \"number\" or \"string\", got {}",
                    other.map_or("nothing".to_string(), |t| format!("{t:?}"))
                )));
            }
        };
        let bound = |key: &str| -> CoreResult<Option<f64>> {
            match schema.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(value) => value
                    .as_f64()
                    .map(Some)
                    .ok_or_else(|| invalid(format!("{at}.schema.{key}: expected a number"))),
            }
        };
        let minimum = bound("minimum")?;
        let maximum = bound("maximum")?;
        if let (Some(lo), Some(hi)) = (minimum, maximum)
            && lo > hi
        {
            return Err(invalid(format!(
                "{at}.schema: minimum ({lo}) is greater than maximum ({hi})"
            )));
        }
        let allowed = match schema.get("enum") {
            None | Some(Value::Null) => None,
            Some(Value::Array(values)) if !values.is_empty() => Some(values.clone()),
            Some(_) => {
                return Err(invalid(format!(
                    "{at}.schema.enum: expected a non-empty list"
                )));
            }
        };
        let mut variable = Variable {
            name: name.to_string(),
            kind,
            minimum,
            maximum,
            allowed,
            default: None,
            schema: Value::Object(schema.clone()),
        };
        if let Some(values) = variable.allowed.clone() {
            for value in &values {
                variable.check(value, &format!("{at}.schema.enum"))?;
            }
        }
        if let Some(default) = schema.get("default").filter(|v| !v.is_null()) {
            variable.check(default, &format!("{at}.schema.default"))?;
            variable.default = Some(default.clone());
        }
        Ok(variable)
    }

    /// `Ok` if `value` fits the schema; the error names `at.<name>`.
    pub fn check(&self, value: &Value, at: &str) -> CoreResult<()> {
        let name = &self.name;
        let place = if at.ends_with(".default") || at.ends_with(".enum") {
            at.to_string()
        } else {
            format!("{at}.{name}")
        };
        let number = match (self.kind, value) {
            (VarType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => n.as_f64(),
            (VarType::Integer, Value::Number(n))
                if n.as_f64().is_some_and(|f| f.fract() == 0.0) =>
            {
                n.as_f64()
            }
            (VarType::Number, Value::Number(n)) => n.as_f64(),
            (VarType::String, Value::String(_)) => None,
            (kind, other) => {
                let wanted = match kind {
                    VarType::Integer => "an integer",
                    VarType::Number => "a number",
                    VarType::String => "a string",
                };
                return Err(invalid(format!("{place}: expected {wanted}, got {other}")));
            }
        };
        if let Some(n) = number {
            if let Some(lo) = self.minimum
                && n < lo
            {
                return Err(invalid(format!(
                    "{place}: {value} is less than the minimum {lo}"
                )));
            }
            if let Some(hi) = self.maximum
                && n > hi
            {
                return Err(invalid(format!(
                    "{place}: {value} is greater than the maximum {hi}"
                )));
            }
        }
        if let Some(allowed) = &self.allowed
            && !allowed.iter().any(|a| same_value(a, value))
        {
            let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
            return Err(invalid(format!(
                "{place}: {value} is not one of {}",
                list.join(", ")
            )));
        }
        Ok(())
    }
}

/// Equal JSON values, with 3 and 3.0 the same number.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// The variable named by a `{{ name }}` placeholder at the start of `text`,
/// and the placeholder's length.
fn placeholder(text: &str) -> Option<(&str, usize)> {
    let rest = text.strip_prefix("{{")?;
    let end = rest.find("}}")?;
    let name = rest[..end].trim();
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then_some((name, end + 4))
}

/// Fill the `{{name}}` placeholders of every string in `doc` with `values`.
/// A string that is one placeholder becomes the value itself (so a number
/// stays a number); a placeholder inside text becomes the value's text.
/// Placeholders without a value are left as written.
pub fn substitute(doc: &Value, values: &Map<String, Value>) -> Value {
    match doc {
        Value::String(text) => {
            if let Some((name, len)) = placeholder(text)
                && len == text.len()
                && let Some(value) = values.get(name)
            {
                return value.clone();
            }
            let mut out = String::with_capacity(text.len());
            let mut rest = text.as_str();
            while let Some(at) = rest.find("{{") {
                out.push_str(&rest[..at]);
                rest = &rest[at..];
                match placeholder(rest).and_then(|(name, len)| Some((values.get(name)?, len))) {
                    Some((value, len)) => {
                        match value {
                            Value::String(s) => out.push_str(s),
                            other => out.push_str(&other.to_string()),
                        }
                        rest = &rest[len..];
                    }
                    None => {
                        out.push_str("{{");
                        rest = &rest[2..];
                    }
                }
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, values)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, values)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The names of every placeholder in `doc`'s strings.
pub fn placeholders(doc: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    collect(doc, &mut found);
    found
}

fn collect(doc: &Value, found: &mut BTreeSet<String>) {
    match doc {
        Value::String(text) => {
            let mut rest = text.as_str();
            while let Some(at) = rest.find("{{") {
                rest = &rest[at..];
                match placeholder(rest) {
                    Some((name, len)) => {
                        found.insert(name.to_string());
                        rest = &rest[len..];
                    }
                    None => rest = &rest[2..],
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, found)),
        Value::Object(map) => map.values().for_each(|v| collect(v, found)),
        _ => {}
    }
}
