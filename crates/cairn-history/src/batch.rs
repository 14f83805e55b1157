//! Rows of relaxed JSON to one typed Arrow record batch.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_buffer::{BooleanBuffer, NullBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema};

use crate::scan::{self, BOOL, FLOAT, INT, MARKER_STR, OTHER, STR, Value};
use crate::{ENCODING_JSON, ENCODING_KEY, Error, STEP};

struct Cell<'a> {
    row: u32,
    raw: &'a str,
    value: Value<'a>,
}

struct Column<'a> {
    name: Cow<'a, str>,
    kinds: u8,
    cells: Vec<Cell<'a>>,
}

impl<'a> Column<'a> {
    fn push(&mut self, row: u32, raw: &'a str, value: Value<'a>) {
        self.kinds |= match value {
            // Not exact as a float: kept out of a Float64 column.
            Value::Int(i) if i.unsigned_abs() > 1 << 53 => OTHER,
            _ => value.kind(),
        };
        let cell = Cell { row, raw, value };
        match self.cells.last_mut() {
            // A key repeated within one row: the last one wins, as in serde_json.
            Some(last) if last.row == row => *last = cell,
            _ => self.cells.push(cell),
        }
    }
}

#[derive(Clone, Copy)]
enum Type {
    Int,
    Float,
    Bool,
    Str,
    Json,
}

fn column_type(kinds: u8) -> Type {
    if kinds & !INT == 0 {
        Type::Int
    } else if kinds & !(INT | FLOAT | MARKER_STR) == 0 {
        // Floats, perhaps with ints among them: wandb-core writes a whole
        // float (1.0) as 1, so a metric's values mix both. Ints beyond
        // 2^53 (which a float cannot hold) are `Other`, and make it JSON.
        Type::Float
    } else if kinds == BOOL {
        Type::Bool
    } else if kinds & !(STR | MARKER_STR) == 0 {
        Type::Str
    } else {
        Type::Json
    }
}

/// Build the typed batch from rows given as `(step, row_text)`.
///
/// Rows need not be sorted; the batch is sorted by step, rows with equal
/// steps keeping their input order. The step given with a row is its
/// `_step`; a `_step` key inside the text is ignored. See the crate
/// documentation for how keys become columns.
pub fn rows_to_batch<'a>(
    rows: impl IntoIterator<Item = (i64, &'a str)>,
) -> Result<RecordBatch, Error> {
    let mut steps: Vec<i64> = Vec::new();
    let mut columns: Vec<Column<'a>> = Vec::new();
    let mut index: HashMap<Cow<'a, str>, usize> = HashMap::new();
    // Rows usually repeat the previous row's keys in the same order, so the
    // column a key went to last row is tried before the hash map.
    let mut previous: Vec<usize> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    for (row, (step, text)) in rows.into_iter().enumerate() {
        let r = u32::try_from(row)
            .map_err(|_| Error::invalid("A history batch can hold at most 2^32 rows."))?;
        steps.push(step);
        current.clear();
        scan::object(text, |key, raw, value| {
            if key == STEP {
                return;
            }
            let c = match previous.get(current.len()) {
                Some(&c) if columns[c].name == key => c,
                _ => match index.get(&key) {
                    Some(&c) => c,
                    None => {
                        let c = columns.len();
                        index.insert(key.clone(), c);
                        columns.push(Column {
                            name: key,
                            kinds: 0,
                            cells: Vec::new(),
                        });
                        c
                    }
                },
            };
            current.push(c);
            columns[c].push(r, raw, value);
        })
        .map_err(|reason| Error::Row { row, reason })?;
        std::mem::swap(&mut previous, &mut current);
    }

    let n = steps.len();
    // pos[input row] = output row, when the input is not already in order.
    let pos: Option<Vec<u32>> = if steps.is_sorted() {
        None
    } else {
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|&i| steps[i as usize]); // stable
        let mut pos = vec![0u32; n];
        for (new, &old) in order.iter().enumerate() {
            pos[old as usize] = new as u32;
        }
        steps = order.iter().map(|&i| steps[i as usize]).collect();
        Some(pos)
    };
    let at = |row: u32| {
        pos.as_ref()
            .map_or(row as usize, |p| p[row as usize] as usize)
    };

    let mut fields = vec![Field::new(STEP, DataType::Int64, false)];
    let mut arrays: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(steps))];
    for column in &columns {
        let name = column.name.as_ref();
        let (field, array): (Field, ArrayRef) =
            match column_type(column.kinds) {
                Type::Int => {
                    let (mut values, mut valid) = (vec![0i64; n], vec![false; n]);
                    for cell in &column.cells {
                        if let Value::Int(v) = cell.value {
                            let i = at(cell.row);
                            (values[i], valid[i]) = (v, true);
                        }
                    }
                    let array = Int64Array::new(ScalarBuffer::from(values), nulls(valid));
                    (Field::new(name, DataType::Int64, true), Arc::new(array))
                }
                Type::Float => {
                    let (mut values, mut valid) = (vec![0f64; n], vec![false; n]);
                    for cell in &column.cells {
                        let v = match &cell.value {
                            Value::Float(f) => *f,
                            Value::Int(i) => *i as f64,
                            Value::Str(s) => scan::marker(s).unwrap_or(f64::NAN),
                            _ => continue,
                        };
                        let i = at(cell.row);
                        (values[i], valid[i]) = (v, true);
                    }
                    let array = Float64Array::new(ScalarBuffer::from(values), nulls(valid));
                    (Field::new(name, DataType::Float64, true), Arc::new(array))
                }
                Type::Bool => {
                    let (mut values, mut valid) = (vec![false; n], vec![false; n]);
                    for cell in &column.cells {
                        if let Value::Bool(b) = cell.value {
                            let i = at(cell.row);
                            (values[i], valid[i]) = (b, true);
                        }
                    }
                    let array = BooleanArray::new(BooleanBuffer::from(values), nulls(valid));
                    (Field::new(name, DataType::Boolean, true), Arc::new(array))
                }
                Type::Str => {
                    let mut values: Vec<Option<&str>> = vec![None; n];
                    for cell in &column.cells {
                        if let Value::Str(s) = &cell.value {
                            values[at(cell.row)] = Some(s.as_ref());
                        }
                    }
                    let array = StringArray::from(values);
                    (Field::new(name, DataType::Utf8, true), Arc::new(array))
                }
                Type::Json => {
                    let mut values: Vec<Option<&str>> = vec![None; n];
                    for cell in &column.cells {
                        values[at(cell.row)] = Some(cell.raw);
                    }
                    let field = Field::new(name, DataType::Utf8, true).with_metadata(
                        HashMap::from([(ENCODING_KEY.to_owned(), ENCODING_JSON.to_owned())]),
                    );
                    (field, Arc::new(StringArray::from(values)))
                }
            };
        fields.push(field);
        arrays.push(array);
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

fn nulls(valid: Vec<bool>) -> Option<NullBuffer> {
    if valid.iter().all(|&v| v) {
        None
    } else {
        Some(NullBuffer::from(valid))
    }
}

/// The `_step` values of a batch that has an Int64 `_step` column.
pub fn step_values(batch: &RecordBatch) -> Result<&[i64], Error> {
    use arrow_array::cast::AsArray;
    let index = batch.schema().index_of(STEP)?;
    let steps = batch
        .column(index)
        .as_primitive_opt::<arrow_array::types::Int64Type>()
        .ok_or_else(|| Error::invalid("The batch's _step column is not Int64."))?;
    Ok(steps.values())
}

/// The rows of `batch` whose `_step` satisfies `keep`, in their order.
pub fn retain_steps(batch: &RecordBatch, keep: impl Fn(i64) -> bool) -> Result<RecordBatch, Error> {
    let mask: BooleanArray = step_values(batch)?.iter().map(|&s| Some(keep(s))).collect();
    Ok(arrow_select::filter::filter_record_batch(batch, &mask)?)
}

/// The numbers in column `key` of `batch`, in row order: every non-null
/// cell of an Int64 or Float64 column, the cells of a JSON-text column
/// that hold a number; nothing for a missing or other column.
pub fn number_values(batch: &RecordBatch, key: &str) -> Vec<f64> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int64Type};
    let Ok(index) = batch.schema().index_of(key) else {
        return Vec::new();
    };
    let field = batch.schema().field(index).clone();
    let column = batch.column(index);
    match field.data_type() {
        DataType::Float64 => column
            .as_primitive::<Float64Type>()
            .iter()
            .flatten()
            .collect(),
        DataType::Int64 => column
            .as_primitive::<Int64Type>()
            .iter()
            .flatten()
            .map(|v| v as f64)
            .collect(),
        DataType::Utf8 if crate::is_json_field(&field) => column
            .as_string::<i32>()
            .iter()
            .flatten()
            .filter_map(|text| cairn_types::relaxed::parse(text).ok()?.as_f64())
            .collect(),
        _ => Vec::new(),
    }
}
