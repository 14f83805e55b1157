//! W&B's custom scalars.
//!
//! `JSONString` is a JSON document carried as a string; `JSON` is a real JSON
//! value; `Int64` is an integer that may exceed 32 bits; `Duration` is a
//! number of milliseconds; `DateTime` is `YYYY-MM-DDTHH:MM:SS` in UTC, the
//! shape W&B answers with. Inputs are accepted leniently (a `JSONString` may
//! arrive as a string or as an already-decoded value).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use time::OffsetDateTime;

/// A JSON document encoded as a string.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonString(pub String);

#[Scalar(name = "JSONString")]
impl ScalarType for JsonString {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(JsonString(s)),
            Value::Null => Err(InputValueError::custom("JSONString must not be null")),
            other => Ok(JsonString(other.into_json()?.to_string())),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// An arbitrary JSON value.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub serde_json::Value);

#[Scalar(name = "JSON")]
impl ScalarType for Json {
    fn parse(value: Value) -> InputValueResult<Self> {
        Ok(Json(value.into_json()?))
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}

/// A 64-bit integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Int64(pub i64);

#[Scalar(name = "Int64")]
impl ScalarType for Int64 {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(n) => n
                .as_i64()
                .map(Int64)
                .ok_or_else(|| InputValueError::custom("Int64 must be an integer")),
            Value::String(s) => s
                .parse()
                .map(Int64)
                .map_err(|_| InputValueError::custom("Int64 must be an integer")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

/// A duration in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration(pub i64);

#[Scalar(name = "Duration")]
impl ScalarType for Duration {
    fn parse(value: Value) -> InputValueResult<Self> {
        Int64::parse(value)
            .map(|v| Duration(v.0))
            .map_err(InputValueError::propagate)
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

/// A UTC timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub OffsetDateTime);

const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] =
    time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => time::PrimitiveDateTime::parse(s.trim_end_matches('Z'), FORMAT)
                .map(|t| DateTime(t.assume_utc()))
                .map_err(|e| InputValueError::custom(format!("invalid DateTime {s:?}: {e}"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format(FORMAT).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_round_trips() {
        let t = DateTime(OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap());
        let v = t.to_value();
        assert_eq!(v, Value::String("2023-11-14T22:13:20".into()));
        assert_eq!(DateTime::parse(v).unwrap(), t);
    }

    #[test]
    fn json_string_accepts_strings_and_values() {
        assert_eq!(
            JsonString::parse(Value::String("{}".into())).unwrap(),
            JsonString("{}".into())
        );
        let obj = Value::from_json(serde_json::json!({"a": 1})).unwrap();
        assert_eq!(
            JsonString::parse(obj).unwrap(),
            JsonString(r#"{"a":1}"#.into())
        );
    }

    #[test]
    fn int64_rejects_fractions() {
        assert!(Int64::parse(Value::from_json(serde_json::json!(1.5)).unwrap()).is_err());
        assert_eq!(Int64::parse(Value::String("42".into())).unwrap(), Int64(42));
    }
}
