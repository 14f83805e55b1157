//! A record batch back to row texts, written straight into a buffer.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, BooleanArray, RecordBatch, StringArray};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;

use crate::{Error, STEP, is_json_field};

enum Cells<'b> {
    Int(&'b [i64]),
    Float(&'b [f64]),
    Bool(&'b BooleanArray),
    Str(&'b StringArray),
    Json(&'b StringArray),
}

struct Column<'b> {
    /// `,"key":`, escaped once.
    prefix: String,
    nulls: Option<&'b NullBuffer>,
    cells: Cells<'b>,
}

/// The columns of a batch, ready to write rows from.
struct Rows<'b> {
    steps: &'b [i64],
    columns: Vec<Column<'b>>,
    ints: itoa::Buffer,
    floats: zmij::Buffer,
    /// Room for a row of fixed-width values (strings may need more).
    size_hint: usize,
}

impl<'b> Rows<'b> {
    fn new(batch: &'b RecordBatch) -> Result<Self, Error> {
        let schema = batch.schema_ref();
        let step_index = schema
            .index_of(STEP)
            .map_err(|_| Error::invalid("The batch has no _step column."))?;
        let steps = batch
            .column(step_index)
            .as_primitive_opt::<Int64Type>()
            .filter(|s| s.null_count() == 0)
            .ok_or_else(|| {
                Error::invalid("The batch's _step column is not a non-null Int64 column.")
            })?;
        let mut columns = Vec::with_capacity(batch.num_columns());
        for (i, field) in schema.fields().iter().enumerate() {
            if i == step_index {
                continue;
            }
            let array = batch.column(i);
            let cells = match field.data_type() {
                DataType::Int64 => Cells::Int(array.as_primitive::<Int64Type>().values()),
                DataType::Float64 => Cells::Float(array.as_primitive::<Float64Type>().values()),
                DataType::Boolean => Cells::Bool(array.as_boolean()),
                DataType::Utf8 if is_json_field(field) => Cells::Json(array.as_string::<i32>()),
                DataType::Utf8 => Cells::Str(array.as_string::<i32>()),
                other => {
                    return Err(Error::Invalid(format!(
                        "The column {:?} has type {other}, which history rows cannot hold.",
                        field.name()
                    )));
                }
            };
            let mut prefix = String::with_capacity(field.name().len() + 4);
            prefix.push(',');
            push_json_str(&mut prefix, field.name());
            prefix.push(':');
            columns.push(Column {
                prefix,
                nulls: array.nulls().filter(|n| n.null_count() > 0),
                cells,
            });
        }
        let size_hint = 32 + columns.iter().map(|c| c.prefix.len() + 24).sum::<usize>();
        Ok(Rows {
            size_hint,
            steps: steps.values(),
            columns,
            ints: itoa::Buffer::new(),
            floats: zmij::Buffer::new(),
        })
    }

    /// Append row `row`'s text to `buf`.
    fn write(&mut self, row: usize, buf: &mut String) {
        buf.reserve(self.size_hint);
        buf.push_str("{\"_step\":");
        buf.push_str(self.ints.format(self.steps[row]));
        for column in &self.columns {
            if column.nulls.is_some_and(|n| n.is_null(row)) {
                continue;
            }
            buf.push_str(&column.prefix);
            match column.cells {
                Cells::Int(a) => buf.push_str(self.ints.format(a[row])),
                Cells::Float(a) => push_f64(buf, &mut self.floats, a[row]),
                Cells::Bool(a) => buf.push_str(if a.value(row) { "true" } else { "false" }),
                Cells::Str(a) => push_json_str(buf, a.value(row)),
                Cells::Json(a) => buf.push_str(a.value(row)),
            }
        }
        buf.push('}');
    }
}

/// Write each row of `batch` as a JSON object text and hand it to `f` with
/// its step; the text is only valid during the call (one buffer is reused).
///
/// Keys come in column order, `_step` first; null cells are left out.
/// Floats are written in their shortest round-trip form, non-finite ones
/// as bare `NaN`, `Infinity`, `-Infinity`; json-encoded columns are spliced
/// in as they are. Fails when the batch has no non-null Int64 `_step`
/// column or holds a column of a type history never has.
pub fn for_each_row(batch: &RecordBatch, mut f: impl FnMut(i64, &str)) -> Result<(), Error> {
    let mut rows = Rows::new(batch)?;
    let mut buf = String::with_capacity(256);
    for row in 0..rows.steps.len() {
        buf.clear();
        rows.write(row, &mut buf);
        f(rows.steps[row], &buf);
    }
    Ok(())
}

/// Every row of `batch` as `(step, JSON object text)`, in batch order.
/// See [`for_each_row`] for the text written and the errors.
pub fn to_rows(batch: &RecordBatch) -> Result<Vec<(i64, String)>, Error> {
    let mut rows = Rows::new(batch)?;
    let mut out = Vec::with_capacity(rows.steps.len());
    // Each row is written straight into its own string, sized from the
    // previous row so it rarely grows.
    let mut size = 64;
    for row in 0..rows.steps.len() {
        let mut text = String::with_capacity(size);
        rows.write(row, &mut text);
        size = text.len() + 16;
        out.push((rows.steps[row], text));
    }
    Ok(out)
}

#[inline(always)]
fn push_f64(buf: &mut String, floats: &mut zmij::Buffer, v: f64) {
    if v.is_finite() {
        buf.push_str(floats.format_finite(v));
    } else if v.is_nan() {
        buf.push_str("NaN");
    } else if v > 0.0 {
        buf.push_str("Infinity");
    } else {
        buf.push_str("-Infinity");
    }
}

/// `s` as a JSON string literal, escaped as serde_json does.
pub(crate) fn push_json_str(buf: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.push('"');
    let mut start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        // Escaped bytes are ASCII, so `i` is a character boundary.
        buf.push_str(&s[start..i]);
        if escape.is_empty() {
            buf.push_str("\\u00");
            buf.push(HEX[(b >> 4) as usize] as char);
            buf.push(HEX[(b & 0xf) as usize] as char);
        } else {
            buf.push_str(escape);
        }
        start = i + 1;
    }
    buf.push_str(&s[start..]);
    buf.push('"');
}

/// A typed column as a json-encoded one: each non-null value's JSON text.
pub(crate) fn json_texts(
    array: &dyn Array,
    field: &arrow_schema::Field,
) -> Result<StringArray, Error> {
    let mut ints = itoa::Buffer::new();
    let mut floats = zmij::Buffer::new();
    let mut buf = String::new();
    let mut text = |row: usize| -> Option<String> {
        if array.is_null(row) {
            return None;
        }
        buf.clear();
        match field.data_type() {
            DataType::Int64 => {
                buf.push_str(ints.format(array.as_primitive::<Int64Type>().value(row)))
            }
            DataType::Float64 => push_f64(
                &mut buf,
                &mut floats,
                array.as_primitive::<Float64Type>().value(row),
            ),
            DataType::Boolean => buf.push_str(if array.as_boolean().value(row) {
                "true"
            } else {
                "false"
            }),
            DataType::Utf8 if is_json_field(field) => {
                buf.push_str(array.as_string::<i32>().value(row))
            }
            _ => push_json_str(&mut buf, array.as_string::<i32>().value(row)),
        }
        Some(buf.clone())
    };
    match field.data_type() {
        DataType::Int64 | DataType::Float64 | DataType::Boolean | DataType::Utf8 => {
            Ok((0..array.len()).map(&mut text).collect())
        }
        other => Err(Error::Invalid(format!(
            "The column {:?} has type {other}, which history rows cannot hold.",
            field.name()
        ))),
    }
}
