//! W&B's relaxed JSON: history rows, summaries and configs may hold bare
//! `NaN`, `Infinity` and `-Infinity`, which strict JSON (and `serde_json`)
//! refuses.
//!
//! `serde_json::Value` cannot hold a non-finite number, so they are read as
//! the strings `"NaN"`, `"Infinity"` and `"-Infinity"` (the convention the
//! server also answers with in parsed JSON such as `sampledHistory`), and
//! [`number`] turns such a value back into an `f64`. Strict JSON takes the
//! fast path: the text is rewritten only when strict parsing fails.

use serde_json::Value;

/// The bare tokens, longest first so `-Infinity` wins over `Infinity`.
const TOKENS: [&str; 3] = ["-Infinity", "Infinity", "NaN"];

/// Parse relaxed JSON; non-finite numbers become marker strings.
pub fn parse(raw: &str) -> Result<Value, serde_json::Error> {
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

/// Whether `value` is one of the marker strings for a non-finite number.
pub fn is_non_finite_marker(value: &Value) -> bool {
    matches!(value, Value::String(s) if TOKENS.contains(&s.as_str()))
}

/// `raw` with every bare token outside strings quoted, or `None` when
/// there was none to quote.
fn quote_tokens(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len() + 16);
    let (mut i, mut in_string, mut changed) = (0, false, false);
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            if c == b'\\' {
                // The escape and the character it escapes.
                let end = (i + 1 + bytes.get(i + 1).map_or(0, |&b| utf8_len(b))).min(bytes.len());
                out.push_str(&raw[i..end]);
                i = end;
                continue;
            }
            in_string = c != b'"';
        } else if c == b'"' {
            in_string = true;
        } else if let Some(token) = TOKENS.iter().find(|t| raw[i..].starts_with(**t)) {
            out.push('"');
            out.push_str(token);
            out.push('"');
            i += token.len();
            changed = true;
            continue;
        }
        // Whole UTF-8 characters.
        let len = utf8_len(c);
        out.push_str(&raw[i..i + len]);
        i += len;
    }
    changed.then_some(out)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
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
        assert!(is_non_finite_marker(&v["a"]) && !is_non_finite_marker(&v["c"]));
    }

    #[test]
    fn leaves_strict_json_and_unicode_alone() {
        assert!(
            parse(r#"{"é": "ü\\", "x": 2.5, "\"é\"": "\é"}"#).is_err(),
            "an invalid escape stays an error"
        );
        assert_eq!(
            parse(r#"{"é": "ü\\", "x": 2.5}"#).unwrap(),
            json!({"é": "ü\\", "x": 2.5})
        );
        assert_eq!(
            parse(r#"{"ü\"NaN": NaN}"#).unwrap(),
            json!({"ü\"NaN": "NaN"})
        );
        assert!(parse("{nope}").is_err());
    }
}
