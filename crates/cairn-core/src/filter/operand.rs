//! Reading operands: dates, ids, versions, path keys and regexes, and the
//! wording of the messages that refuse them. Each is read the same way
//! for every listing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Number, Value};
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use super::{MAX_REGEX_LEN, Operand, Regex};

/// Longest operand quoted back in an error message.
const MAX_SHOWN: usize = 80;

/// Most memory one compiled `$regex` may take. The `regex` engine that
/// `REGEXP` runs never backtracks (time is linear in the text), so with a
/// bounded program a search is bounded too.
pub(super) const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// What a date operand must look like, for error messages.
pub const DATE_OPERAND: &str = "a date such as \"2024-05-01T12:00:00Z\" or UNIX seconds";

/// A value as JSON, shortened for an error message.
pub(super) fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= MAX_SHOWN {
        return text;
    }
    let head: String = text.chars().take(MAX_SHOWN).collect();
    format!("{head}…")
}

/// `filter operator "$in" on "config.lr" needs an array, got 5`.
pub(super) fn needs(field: &str, op: &str, what: &str, got: &Value) -> String {
    format!(
        "filter operator {op:?} on {field:?} needs {what}, got {}",
        show(got)
    )
}

/// A JSON number: integers stay exact.
pub(super) fn number(n: &Number) -> Operand {
    match n.as_i64() {
        Some(i) => Operand::Int(i),
        // Binds as NULL, which matches nothing.
        None => Operand::Real(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// A key of a JSON path or of an object operand: non-empty, and without
/// `"` or `\` (which a JSON path label cannot hold unescaped).
pub(super) fn check_key(field: &str, key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err(format!(
            "field {field:?} has an empty key; keys are separated by single dots"
        ));
    }
    if key.contains(['"', '\\']) {
        return Err(format!(
            "field {field:?} has the key {key:?}; keys containing '\"' or '\\' cannot be searched"
        ));
    }
    Ok(())
}

/// An id operand: an integer, its decimal text, or a base64 `Type:<n>` id.
pub(super) fn id(operand: &Value) -> Option<i64> {
    match operand {
        Value::Number(n) => n.as_i64(),
        Value::String(text) => text.trim().parse().ok().or_else(|| {
            let decoded = STANDARD.decode(text.trim()).ok()?;
            let decoded = String::from_utf8(decoded).ok()?;
            decoded.rsplit_once(':')?.1.parse().ok()
        }),
        _ => None,
    }
}

/// A version operand: `"v3"`, `"3"` or `3`.
pub(super) fn version(operand: &Value) -> Option<i64> {
    match operand {
        Value::Number(n) => n.as_i64(),
        Value::String(text) => {
            let text = text.trim();
            text.strip_prefix(['v', 'V']).unwrap_or(text).parse().ok()
        }
        _ => None,
    }
}

/// A `$regex` operand and its `$options`: Rust `regex` syntax with the
/// flags (`i`, `m`, `s`, `x`) folded in as `(?flags)`, checked to compile
/// within bounds, so a bad or oversized pattern is a clear error before any
/// query runs.
pub(super) fn regex(
    field: &str,
    operand: &Value,
    options: Option<&Value>,
) -> Result<Regex, String> {
    let Value::String(source) = operand else {
        return Err(needs(field, "$regex", "a string", operand));
    };
    let flags = match options {
        None => String::new(),
        Some(Value::String(flags)) if flags.chars().all(|c| "imsx".contains(c)) => flags.clone(),
        Some(other) => {
            return Err(needs(
                field,
                "$options",
                "a string of the flags i, m, s, x",
                other,
            ));
        }
    };
    if source.len() > MAX_REGEX_LEN {
        return Err(format!(
            "filter operator \"$regex\" on {field:?}: the pattern is {} bytes; the limit is \
             {MAX_REGEX_LEN}.",
            source.len()
        ));
    }
    let pattern = if flags.is_empty() {
        source.clone()
    } else {
        format!("(?{flags}){source}")
    };
    if let Err(e) = regex::RegexBuilder::new(&pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
    {
        return Err(format!(
            "filter operator \"$regex\" on {field:?}: {source:?} is not a valid regex: {}",
            e.to_string().lines().last().unwrap_or_default().trim()
        ));
    }
    Ok(Regex {
        source: source.clone(),
        flags,
        pattern,
    })
}

// ---------------------------------------------------------------------------
// Dates

const NAIVE_TIMES: &[&[BorrowedFormatItem<'static>]] = &[
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"),
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]"),
    format_description!("[year]-[month]-[day]T[hour]:[minute]"),
];

const DATE: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// A date operand in UNIX milliseconds: an ISO-8601 string (without an
/// offset it is UTC; a bare date is its midnight) or a number of UNIX
/// seconds.
pub fn time_ms(operand: &Value) -> Option<i64> {
    match operand {
        Value::Number(n) => seconds_ms(n.as_f64()?),
        Value::String(text) => parse_time(text.trim()),
        _ => None,
    }
}

fn seconds_ms(seconds: f64) -> Option<i64> {
    let ms = (seconds * 1000.0).round();
    // Far inside i64 (about three million years).
    (ms.is_finite() && ms.abs() < 1e17).then_some(ms as i64)
}

fn parse_time(text: &str) -> Option<i64> {
    let time = OffsetDateTime::parse(text, &Rfc3339).ok().or_else(|| {
        NAIVE_TIMES
            .iter()
            .find_map(|format| PrimitiveDateTime::parse(text, format).ok())
            .or_else(|| Some(Date::parse(text, DATE).ok()?.midnight()))
            .map(PrimitiveDateTime::assume_utc)
    })?;
    i64::try_from(time.unix_timestamp_nanos() / 1_000_000).ok()
}
