//! Keyset cursors: a cursor names the last row a client has seen — its
//! sort key and id — and the next page is the rows strictly after that
//! position in the same order. Deep pages stay as cheap as the first, and
//! rows added while a client pages do not shift the pages it has yet to
//! read. Cursors are opaque to clients (base64url JSON).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteRow, SqliteValueRef};
use sqlx::{Decode, Row, Sqlite, TypeInfo, ValueRef};

use super::{Bind, Invalid};

/// The cursor just after a row selected with `… AS sort_key, … AS
/// cursor_id`.
pub(crate) fn cursor_of(row: &SqliteRow) -> Result<String, sqlx::Error> {
    let key = Key::read(row.try_get_raw("sort_key")?)?;
    let id = row.try_get("cursor_id")?;
    Ok(Cursor { key, id }.encode())
}

/// A sort key as SQLite returned it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Key {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    /// A boolean leaf (stored as a blob).
    Bool(bool),
}

impl Key {
    /// Reads a value with the type it has (`json_extract` may give any).
    pub(crate) fn read(value: SqliteValueRef<'_>) -> Result<Key, sqlx::Error> {
        if value.is_null() {
            return Ok(Key::Null);
        }
        let type_name = value.type_info().name().to_owned();
        let key = match type_name.as_str() {
            "INTEGER" => <i64 as Decode<Sqlite>>::decode(value).map(Key::Int),
            "REAL" => <f64 as Decode<Sqlite>>::decode(value).map(Key::Real),
            "TEXT" => <String as Decode<Sqlite>>::decode(value).map(Key::Text),
            "BLOB" => <Vec<u8> as Decode<Sqlite>>::decode(value)
                .map(|bytes| Key::Bool(bytes.first().is_some_and(|b| *b != 0))),
            other => Err(format!("a sort key of type {other} cannot be put in a cursor").into()),
        };
        key.map_err(sqlx::Error::Decode)
    }

    pub(crate) fn bind(&self) -> Option<Bind> {
        match self {
            Key::Null => None,
            Key::Int(i) => Some(Bind::Int(*i)),
            Key::Real(f) => Some(Bind::Real(*f)),
            Key::Text(t) => Some(Bind::Text(t.clone())),
            Key::Bool(b) => Some(Bind::Bool(*b)),
        }
    }
}

/// The position just after a row: `{"k": <sort key>, "id": <run id>}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cursor {
    pub key: Key,
    pub id: i64,
}

impl Cursor {
    pub(crate) fn encode(&self) -> String {
        let key = match &self.key {
            Key::Null => Value::Null,
            Key::Int(i) => json!(i),
            Key::Real(f) if f.is_finite() => json!(f),
            // JSON has no infinities (a summary may hold them).
            Key::Real(f) => json!({ "real": f.to_string() }),
            Key::Text(t) => json!(t),
            Key::Bool(b) => json!(b),
        };
        URL_SAFE_NO_PAD.encode(json!({ "k": key, "id": self.id }).to_string())
    }

    pub(crate) fn decode(text: &str) -> Result<Cursor, Invalid> {
        Self::parse(text).ok_or_else(|| Invalid("invalid cursor".into()))
    }

    fn parse(text: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let Value::Object(doc) = serde_json::from_slice(&bytes).ok()? else {
            return None;
        };
        let key = match doc.get("k")? {
            Value::Null => Key::Null,
            Value::Number(n) => match n.as_i64() {
                Some(i) => Key::Int(i),
                None => Key::Real(n.as_f64()?),
            },
            Value::String(t) => Key::Text(t.clone()),
            Value::Object(real) => Key::Real(real.get("real")?.as_str()?.parse().ok()?),
            Value::Bool(b) => Key::Bool(*b),
            Value::Array(_) => return None,
        };
        let id = doc.get("id")?.as_i64()?;
        Some(Cursor { key, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_every_kind_of_key() {
        for key in [
            Key::Null,
            Key::Int(-3),
            Key::Real(0.1),
            Key::Real(2.0),
            Key::Real(f64::INFINITY),
            Key::Real(f64::NEG_INFINITY),
            Key::Text("a \"quoted\" key".into()),
        ] {
            let cursor = Cursor { key, id: 42 };
            assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
        }
    }
}
