//! W&B's relaxed JSON: history rows, summaries and configs may hold bare
//! `NaN`, `Infinity` and `-Infinity`, which strict JSON (and `serde_json`)
//! refuses.
//!
//! `serde_json::Value` cannot hold a non-finite number, so they are read as
//! the strings `"NaN"`, `"Infinity"` and `"-Infinity"` — the convention the
//! server itself uses when it answers with parsed JSON (`sampledHistory`) —
//! and [`number`] turns such a value back into an `f64`.

use serde_json::Value;

/// The bare tokens, longest first so `-Infinity` wins over `Infinity`.
const TOKENS: [&str; 3] = ["-Infinity", "Infinity", "NaN"];

/// Parse relaxed JSON; non-finite numbers become marker strings.
pub(crate) fn parse(raw: &str) -> Result<Value, serde_json::Error> {
    match serde_json::from_str(raw) {
        Ok(v) => Ok(v),
        Err(first) => match quote_tokens(raw) {
            Some(strict) => serde_json::from_str(&strict),
            None => Err(first),
        },
    }
}

/// A value as a number: JSON numbers, and the marker strings for NaN and
/// the infinities.
pub fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// `raw` with every bare token outside strings quoted, or `None` when
/// there was none to quote.
fn quote_tokens(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len() + 16);
    let (mut rest, mut in_string, mut changed) = (raw, false, false);
    while let Some(c) = rest.chars().next() {
        if in_string {
            if c == '\\' {
                // Copy the escape and the character it escapes.
                let len = rest[1..].chars().next().map_or(1, |e| 1 + e.len_utf8());
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                continue;
            }
            in_string = c != '"';
        } else if c == '"' {
            in_string = true;
        } else if let Some(token) = TOKENS.iter().find(|t| rest.starts_with(**t)) {
            out.push('"');
            out.push_str(token);
            out.push('"');
            rest = &rest[token.len()..];
            changed = true;
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_bare_non_finite_numbers() {
        let v = parse(r#"{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN is \"NaN\"", "d": 1}"#)
            .unwrap();
        assert_eq!(
            v,
            json!({"a": "NaN", "b": ["Infinity", "-Infinity"], "c": "NaN is \"NaN\"", "d": 1})
        );
        assert!(number(&v["a"]).unwrap().is_nan());
        assert_eq!(number(&v["b"][0]), Some(f64::INFINITY));
        assert_eq!(number(&v["b"][1]), Some(f64::NEG_INFINITY));
        assert_eq!(number(&v["d"]), Some(1.0));
        assert_eq!(number(&v["c"]), None);
    }

    #[test]
    fn leaves_strict_json_and_unicode_alone() {
        assert_eq!(
            parse(r#"{"é": "ü\\", "x": 2.5}"#).unwrap(),
            json!({"é": "ü\\", "x": 2.5})
        );
        assert!(parse("{nope}").is_err());
    }
}
