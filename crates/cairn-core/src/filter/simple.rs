//! The web UI's short filter form (`lr > 0.01 and tags = baseline`),
//! translated to the MongoDB-style JSON every run listing takes.
//!
//! Why a translation and not a second parser into [`super::Filter`]: the
//! JSON is the one language the filter tree is read from, so a short filter
//! means exactly what its JSON means, and every error about a field or an
//! operand comes from the same place as `api.runs(filters=…)`'s.
//!
//! The grammar, kept small on purpose:
//! ```text
//! filter  := clause (("and" | "or") clause)*      "and" binds tighter than "or"
//! clause  := field op value
//! op      := "=" | "==" | "!=" | ">" | ">=" | "<" | "<=" | "~"  (regex)
//! value   := number | true | false | null | "quoted string" | bare-word
//! ```
//! A field is a run field the runs schema knows (`state`, `tags`,
//! `created_at`, `config.lr`, `summary.loss`, …); a bare name it does not
//! know is a config key (`lr` means `config.lr`), as people write them.

use serde_json::{Map, Value, json};

use super::RUNS;
use crate::error::{CoreError, CoreResult};

/// Longest short filter accepted, in bytes.
pub const MAX_SIMPLE_LEN: usize = 4096;

/// Translate a short filter to the MongoDB-style JSON; blank is `None`.
pub fn simple_to_mongo(text: &str) -> CoreResult<Option<Value>> {
    if text.len() > MAX_SIMPLE_LEN {
        return Err(invalid(format!(
            "the filter is longer than {MAX_SIMPLE_LEN} bytes"
        )));
    }
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut ors: Vec<Vec<Value>> = vec![Vec::new()];
    let mut rest = tokens.as_slice();
    loop {
        let (clause, after) = clause(rest)?;
        ors.last_mut().expect("never empty").push(clause);
        match after {
            [] => break,
            [Token::Word(w), tail @ ..] if w.eq_ignore_ascii_case("and") => rest = tail,
            [Token::Word(w), tail @ ..] if w.eq_ignore_ascii_case("or") => {
                ors.push(Vec::new());
                rest = tail;
            }
            [other, ..] => {
                return Err(invalid(format!(
                    "expected \"and\" or \"or\" before {}",
                    other.show()
                )));
            }
        }
    }
    let mut alternatives: Vec<Value> = ors
        .into_iter()
        .map(|mut all| {
            if all.len() == 1 {
                all.pop().expect("one")
            } else {
                json!({ "$and": all })
            }
        })
        .collect();
    Ok(Some(if alternatives.len() == 1 {
        alternatives.pop().expect("one")
    } else {
        json!({ "$or": alternatives })
    }))
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Op(&'static str),
}

impl Token {
    fn show(&self) -> String {
        match self {
            Token::Word(w) => format!("{w:?}"),
            Token::Quoted(q) => format!("\"{q}\""),
            Token::Op(op) => format!("{op:?}"),
        }
    }
}

const OPS: [&str; 8] = ["==", "!=", ">=", "<=", "=", ">", "<", "~"];

fn tokenize(text: &str) -> CoreResult<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
            tokens.push(Token::Op(op));
            rest = &rest[op.len()..];
        } else if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| invalid("a quoted value has no closing '\"'".into()))?;
            tokens.push(Token::Quoted(quoted[..end].to_string()));
            rest = &quoted[end + 1..];
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"' || "=!<>~".contains(c))
                .unwrap_or(rest.len());
            if end == 0 {
                return Err(invalid(format!(
                    "unexpected {:?}",
                    rest.chars().next().unwrap_or(' ')
                )));
            }
            tokens.push(Token::Word(rest[..end].to_string()));
            rest = &rest[end..];
        }
        rest = rest.trim_start();
    }
    Ok(tokens)
}

fn clause(tokens: &[Token]) -> CoreResult<(Value, &[Token])> {
    let [field, op, value, rest @ ..] = tokens else {
        return Err(invalid(
            "each condition needs a field, an operator and a value, like lr > 0.01".into(),
        ));
    };
    let Token::Word(field) = field else {
        return Err(invalid(format!("expected a field, not {}", field.show())));
    };
    let Token::Op(op) = op else {
        return Err(invalid(format!(
            "expected an operator (= != > >= < <= ~) after {field:?}, not {}",
            op.show()
        )));
    };
    let value = match value {
        Token::Quoted(q) => Value::String(q.clone()),
        Token::Word(w) => bare_value(w),
        Token::Op(_) => {
            return Err(invalid(format!(
                "expected a value after {field:?} {op}, not {}",
                value.show()
            )));
        }
    };
    let operator = match *op {
        "=" | "==" => "$eq",
        "!=" => "$ne",
        ">" => "$gt",
        ">=" => "$gte",
        "<" => "$lt",
        "<=" => "$lte",
        _ => "$regex",
    };
    let mut test = Map::new();
    test.insert(operator.into(), value);
    let mut condition = Map::new();
    condition.insert(field_path(field), Value::Object(test));
    Ok((Value::Object(condition), rest))
}

/// `lr` → `config.lr`; fields the runs schema knows stay as written.
fn field_path(field: &str) -> String {
    match RUNS.resolve(field) {
        Ok(Some(_)) => field.to_string(),
        _ if field.contains('.') => field.to_string(),
        _ => format!("config.{field}"),
    }
}

fn bare_value(word: &str) -> Value {
    match word {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ => word
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| {
                word.parse::<f64>()
                    .ok()
                    .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
            })
            .unwrap_or_else(|| Value::String(word.to_string())),
    }
}

fn invalid(why: String) -> CoreError {
    CoreError::InvalidInput(format!("The filter could not be read: {why}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mongo(text: &str) -> Value {
        simple_to_mongo(text).unwrap().unwrap()
    }

    #[test]
    fn bare_names_are_config_keys_and_known_fields_stay() {
        assert_eq!(
            mongo("lr > 0.01 and tags = baseline"),
            json!({"$and": [{"config.lr": {"$gt": 0.01}}, {"tags": {"$eq": "baseline"}}]})
        );
        assert_eq!(
            mongo("summary_metrics.loss <= 3"),
            json!({"summary_metrics.loss": {"$lte": 3}})
        );
        assert_eq!(mongo("state=running"), json!({"state": {"$eq": "running"}}));
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            mongo("a = 1 or b = 2 and c != \"x y\""),
            json!({"$or": [
                {"config.a": {"$eq": 1}},
                {"$and": [{"config.b": {"$eq": 2}}, {"config.c": {"$ne": "x y"}}]}
            ]})
        );
    }

    #[test]
    fn blank_is_no_filter_and_mistakes_are_named() {
        assert_eq!(simple_to_mongo("   ").unwrap(), None);
        for bad in ["lr >", "lr 3", "lr > 1 lr < 2", "\"open", "> 3"] {
            let err = simple_to_mongo(bad).unwrap_err().to_string();
            assert!(err.contains("could not be read"), "{bad}: {err}");
        }
        let long = "a = 1 and ".repeat(500);
        assert!(simple_to_mongo(&long).is_err());
    }
}
