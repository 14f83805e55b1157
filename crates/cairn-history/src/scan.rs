//! A one-level scanner for a history row: the top-level object's keys and,
//! for each, the value's raw text and what it is.
//!
//! Nested objects and arrays are not taken apart: their text is kept as it
//! was (after checking it is relaxed JSON), so bare `NaN` inside them stays
//! bare. Scalars are read here, with the same number grammar and the same
//! int-versus-float decisions as `serde_json` (which is what
//! `cairn_types::relaxed::parse` uses), so a value read back from a column
//! parses to the same `serde_json::Value` as the original.

use std::borrow::Cow;

/// One top-level value of a row.
#[derive(Debug, Clone)]
pub(crate) enum Value<'a> {
    /// A JSON integer that fits `i64` (`-0` is not one: `serde_json` reads it as a float).
    Int(i64),
    /// A JSON number with a fraction or exponent, or a bare non-finite token.
    Float(f64),
    Bool(bool),
    /// A JSON string, unescaped.
    Str(Cow<'a, str>),
    /// An explicit `null`.
    Null,
    /// An object, an array, or an integer beyond `i64`: kept as raw text only.
    Other,
}

/// Kind bits, or-ed over a column's values to choose its type.
pub(crate) const INT: u8 = 1;
pub(crate) const FLOAT: u8 = 2;
pub(crate) const BOOL: u8 = 4;
pub(crate) const STR: u8 = 8;
/// A string that is one of the non-finite markers: it may sit in a float
/// column or a string column.
pub(crate) const MARKER_STR: u8 = 16;
pub(crate) const NULL: u8 = 32;
pub(crate) const OTHER: u8 = 64;

impl Value<'_> {
    pub(crate) fn kind(&self) -> u8 {
        match self {
            Value::Int(_) => INT,
            Value::Float(_) => FLOAT,
            Value::Bool(_) => BOOL,
            Value::Str(s) if marker(s).is_some() => MARKER_STR,
            Value::Str(_) => STR,
            Value::Null => NULL,
            Value::Other => OTHER,
        }
    }
}

/// The float a non-finite marker string stands for.
pub(crate) fn marker(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// Scan `text` as one relaxed-JSON object, calling `field(key, raw, value)`
/// for each member in order. The error is a sentence fragment saying what is wrong.
pub(crate) fn object<'a>(
    text: &'a str,
    mut field: impl FnMut(Cow<'a, str>, &'a str, Value<'a>),
) -> Result<(), String> {
    let mut s = Scan { s: text, i: 0 };
    s.ws();
    s.expect(b'{', "an opening brace")?;
    s.ws();
    if s.peek() == Some(b'}') {
        s.i += 1;
    } else {
        loop {
            s.ws();
            if s.peek() != Some(b'"') {
                return Err(s.error("a key"));
            }
            let (_, key) = s.string()?;
            s.ws();
            s.expect(b':', "a colon")?;
            s.ws();
            let (raw, value) = s.value()?;
            field(key, raw, value);
            s.ws();
            match s.peek() {
                Some(b',') => s.i += 1,
                Some(b'}') => {
                    s.i += 1;
                    break;
                }
                _ => return Err(s.error("a comma or a closing brace")),
            }
        }
    }
    s.ws();
    if s.i != text.len() {
        return Err(s.error("the end of the text"));
    }
    Ok(())
}

struct Scan<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn error(&self, wanted: &str) -> String {
        format!("expected {wanted} at byte {}", self.i)
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8, wanted: &str) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error(wanted))
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), String> {
        if self.s.as_bytes()[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(())
        } else {
            Err(self.error("a value"))
        }
    }

    /// At a `"`: moves past the closing quote; returns whether the string
    /// holds escapes.
    fn skip_string(&mut self) -> Result<bool, String> {
        let b = self.s.as_bytes();
        self.i += 1;
        let mut escaped = false;
        loop {
            match b.get(self.i) {
                None => return Err("a string is not closed".into()),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    self.i += 2;
                }
                Some(&c) if c < 0x20 => {
                    return Err(format!(
                        "a string holds a raw control character at byte {}",
                        self.i
                    ));
                }
                Some(_) => self.i += 1,
            }
        }
    }

    fn string(&mut self) -> Result<(&'a str, Cow<'a, str>), String> {
        let start = self.i;
        let escaped = self.skip_string()?;
        let raw = &self.s[start..self.i];
        let text = if escaped {
            Cow::Owned(
                serde_json::from_str::<String>(raw)
                    .map_err(|e| format!("a string is not valid JSON ({e})"))?,
            )
        } else {
            Cow::Borrowed(&raw[1..raw.len() - 1])
        };
        Ok((raw, text))
    }

    fn nested(&mut self) -> Result<&'a str, String> {
        let start = self.i;
        let b = self.s.as_bytes();
        let mut depth = 0usize;
        loop {
            match b.get(self.i) {
                None => return Err("an object or array is not closed".into()),
                Some(b'"') => {
                    self.skip_string()?;
                }
                Some(b'{' | b'[') => {
                    depth += 1;
                    self.i += 1;
                }
                Some(b'}' | b']') => {
                    depth -= 1;
                    self.i += 1;
                    if depth == 0 {
                        break;
                    }
                }
                Some(_) => self.i += 1,
            }
        }
        let raw = &self.s[start..self.i];
        cairn_types::relaxed::parse(raw)
            .map_err(|e| format!("a nested value is not valid JSON ({e})"))?;
        Ok(raw)
    }

    fn digits(&mut self) -> Result<(), String> {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        if self.i == start {
            Err(self.error("a digit"))
        } else {
            Ok(())
        }
    }

    fn number(&mut self) -> Result<(&'a str, Value<'a>), String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits()?,
            _ => return Err(self.error("a digit")),
        }
        let mut int = true;
        if self.peek() == Some(b'.') {
            int = false;
            self.i += 1;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            int = false;
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.digits()?;
        }
        let raw = &self.s[start..self.i];
        let value = if int {
            match raw.parse::<i64>() {
                // serde_json reads `-0` as the float -0.0.
                Ok(0) if raw.starts_with('-') => Value::Float(-0.0),
                Ok(v) => Value::Int(v),
                Err(_) => Value::Other,
            }
        } else {
            let f: f64 = raw.parse().map_err(|_| self.error("a number"))?;
            if !f.is_finite() {
                return Err(format!("the number {raw} is out of range"));
            }
            Value::Float(f)
        };
        Ok((raw, value))
    }

    fn value(&mut self) -> Result<(&'a str, Value<'a>), String> {
        let start = self.i;
        let value = match self.peek() {
            Some(b'"') => {
                let (raw, s) = self.string()?;
                return Ok((raw, Value::Str(s)));
            }
            Some(b'{' | b'[') => return Ok((self.nested()?, Value::Other)),
            Some(b'-' | b'0'..=b'9') if self.s.as_bytes().get(self.i + 1) != Some(&b'I') => {
                return self.number();
            }
            Some(b't') => self.literal("true").map(|()| Value::Bool(true))?,
            Some(b'f') => self.literal("false").map(|()| Value::Bool(false))?,
            Some(b'n') => self.literal("null").map(|()| Value::Null)?,
            Some(b'N') => self.literal("NaN").map(|()| Value::Float(f64::NAN))?,
            Some(b'I') => self
                .literal("Infinity")
                .map(|()| Value::Float(f64::INFINITY))?,
            Some(b'-') => self
                .literal("-Infinity")
                .map(|()| Value::Float(f64::NEG_INFINITY))?,
            _ => return Err(self.error("a value")),
        };
        Ok((&self.s[start..self.i], value))
    }
}
