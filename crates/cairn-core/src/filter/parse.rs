//! JSON → [`Filter`], checked against a [`Schema`] as it is read.

use serde_json::{Map, Value};

use super::operand::{self, DATE_OPERAND, check_key, needs, number, show};
use super::schema::{Kind, Schema};
use super::{Cmp, FieldRef, Filter, MAX_CONDITIONS, MAX_DEPTH, Op, Operand, Test};

type Parsed = Result<Filter, String>;

/// The whole filter; `null` matches everything.
pub(super) fn filter(json: &Value, schema: &Schema) -> Parsed {
    if json.is_null() {
        return Ok(Filter::And(Vec::new()));
    }
    Parser {
        schema,
        conditions: 0,
    }
    .document(json, 0)
}

struct Parser<'s> {
    schema: &'s Schema,
    conditions: usize,
}

/// A field named in a filter, with what it refers to.
struct Field<'f> {
    name: &'f str,
    target: FieldRef,
    kind: Kind,
}

impl Field<'_> {
    fn not_for(&self, op: &str, applies_to: &str) -> String {
        format!(
            "filter operator {op:?} applies to {applies_to}, not to {:?}",
            self.name
        )
    }
}

/// Matches nothing (an operand of the wrong type on a loose field).
fn never() -> Filter {
    Filter::Or(Vec::new())
}

impl Parser<'_> {
    /// One level deeper, refused past [`MAX_DEPTH`].
    fn deeper(&self, depth: usize) -> Result<usize, String> {
        if depth >= MAX_DEPTH {
            return Err(format!(
                "the {} is nested too deeply (more than {MAX_DEPTH} levels)",
                self.schema.what
            ));
        }
        Ok(depth + 1)
    }

    /// Counts `n` more conditions, refused past [`MAX_CONDITIONS`].
    fn count(&mut self, n: usize) -> Result<(), String> {
        self.conditions += n;
        if self.conditions > MAX_CONDITIONS {
            return Err(format!(
                "the {} has more than {MAX_CONDITIONS} conditions",
                self.schema.what
            ));
        }
        Ok(())
    }

    fn test(&mut self, field: &Field<'_>, op: Op) -> Parsed {
        self.count(1)?;
        Ok(Filter::Test(Test {
            field: field.target.clone(),
            op,
        }))
    }

    /// A filter document: all of its entries hold.
    fn document(&mut self, json: &Value, depth: usize) -> Parsed {
        let Value::Object(entries) = json else {
            return Err(format!(
                "a {} must be a JSON object, got {}",
                self.schema.what,
                show(json)
            ));
        };
        let parts = entries
            .iter()
            .map(|(key, value)| self.entry(key, value, depth))
            .collect::<Result<_, _>>()?;
        Ok(Filter::And(parts))
    }

    fn entry(&mut self, key: &str, value: &Value, depth: usize) -> Parsed {
        match key {
            "$and" => Ok(Filter::And(self.logical(key, value, depth)?)),
            "$or" => Ok(Filter::Or(self.logical(key, value, depth)?)),
            "$nor" => Ok(Filter::Not(Box::new(Filter::Or(
                self.logical(key, value, depth)?,
            )))),
            "$not" if !value.is_object() => Err(format!(
                "filter operator \"$not\" needs a filter (a JSON object), got {}",
                show(value)
            )),
            "$not" => {
                let depth = self.deeper(depth)?;
                Ok(Filter::Not(Box::new(self.document(value, depth)?)))
            }
            _ if key.starts_with('$') => Err(format!(
                "unknown filter operator {key:?} in a {}; a filter's keys are field names or \
                 $and, $or, $nor, $not",
                self.schema.what
            )),
            _ => self.field(key, value, depth),
        }
    }

    fn logical(&mut self, op: &str, value: &Value, depth: usize) -> Result<Vec<Filter>, String> {
        let Value::Array(filters) = value else {
            return Err(format!(
                "filter operator {op:?} needs an array of filters, got {}",
                show(value)
            ));
        };
        if let Some(odd) = filters.iter().find(|f| !f.is_object()) {
            return Err(format!(
                "filter operator {op:?} needs an array of filters (JSON objects), got {} in it",
                show(odd)
            ));
        }
        let depth = self.deeper(depth)?;
        filters.iter().map(|f| self.document(f, depth)).collect()
    }

    /// `field: value` or `field: {operators}`.
    fn field(&mut self, name: &str, value: &Value, depth: usize) -> Parsed {
        let (target, kind) = self.schema.field(name)?;
        let field = Field { name, target, kind };
        match value {
            Value::Object(ops) if is_operators(name, ops)? => self.operators(&field, ops, depth),
            _ => self.compare(&field, "$eq", Cmp::Eq, value, depth),
        }
    }

    /// All operators of `{"$gt": 1, "$lt": 5}` hold.
    fn operators(&mut self, field: &Field<'_>, ops: &Map<String, Value>, depth: usize) -> Parsed {
        let options = ops.get("$options");
        if let Some(options) = options
            && !ops.contains_key("$regex")
        {
            return Err(needs(
                field.name,
                "$options",
                "a \"$regex\" beside it",
                options,
            ));
        }
        let depth = self.deeper(depth)?;
        let parts = ops
            .iter()
            .filter(|(op, _)| *op != "$options")
            .map(|(op, operand)| self.operator(field, op, operand, options, depth))
            .collect::<Result<_, _>>()?;
        Ok(Filter::And(parts))
    }

    fn operator(
        &mut self,
        field: &Field<'_>,
        op: &str,
        operand: &Value,
        options: Option<&Value>,
        depth: usize,
    ) -> Parsed {
        if let Some(cmp) = Cmp::parse(op) {
            return self.compare(field, op, cmp, operand, depth);
        }
        let labels = self.schema.labels();
        match op {
            "$ne" => Ok(Filter::Not(Box::new(self.compare(
                field,
                op,
                Cmp::Eq,
                operand,
                depth,
            )?))),
            "$in" => self.any_of(field, op, operand, depth),
            "$nin" => Ok(Filter::Not(Box::new(
                self.any_of(field, op, operand, depth)?,
            ))),
            "$exists" => match operand {
                Value::Bool(wanted) => self.test(field, Op::Exists(*wanted)),
                _ => Err(needs(field.name, op, "true or false", operand)),
            },
            "$regex" => {
                let regex = operand::regex(field.name, operand, options)?;
                if !field.kind.is_textual() {
                    return Err(field.not_for(op, "text"));
                }
                self.test(field, Op::Regex(regex))
            }
            "$contains" => {
                if !field.kind.is_textual() {
                    return Err(field.not_for(op, "text"));
                }
                match operand {
                    Value::String(part) => self.test(field, Op::Contains(part.clone())),
                    _ => Err(needs(field.name, op, "a string", operand)),
                }
            }
            "$all" => {
                if field.kind != Kind::Labels {
                    return Err(field.not_for(op, &format!("the label sets {labels}")));
                }
                let wanted = "an array of strings";
                let Value::Array(items) = operand else {
                    return Err(needs(field.name, op, wanted, operand));
                };
                let parts = items
                    .iter()
                    .map(|item| match item {
                        Value::String(label) => {
                            self.test(field, Op::Cmp(Cmp::Eq, Operand::Text(label.clone())))
                        }
                        _ => Err(needs(field.name, op, wanted, operand)),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                // As in MongoDB, requiring no labels at all matches nothing.
                Ok(if parts.is_empty() {
                    never()
                } else {
                    Filter::And(parts)
                })
            }
            "$size" => {
                if field.kind != Kind::Labels {
                    return Err(field.not_for(op, &format!("the label sets {labels}")));
                }
                match operand.as_u64().filter(|n| i64::try_from(*n).is_ok()) {
                    Some(count) => self.test(field, Op::Size(count)),
                    None => Err(needs(field.name, op, "a whole number", operand)),
                }
            }
            "$not" => match operand {
                Value::Object(ops) if !ops.is_empty() && is_operators(field.name, ops)? => {
                    Ok(Filter::Not(Box::new(self.operators(field, ops, depth)?)))
                }
                _ => Err(needs(
                    field.name,
                    "$not",
                    "an object of operators such as {\"$gt\": 1}",
                    operand,
                )),
            },
            _ => Err(format!(
                "unknown filter operator {op:?} on {:?} in a {}; supported: $eq, $ne, $gt, \
                 $gte, $lt, $lte, $in, $nin, $exists, $regex (with $options), $contains, $not, \
                 and $all, $size on {labels}",
                field.name, self.schema.what
            )),
        }
    }

    /// `$in`: equal to any of an array's values.
    fn any_of(&mut self, field: &Field<'_>, op: &str, operand: &Value, depth: usize) -> Parsed {
        let Value::Array(values) = operand else {
            return Err(needs(field.name, op, "an array", operand));
        };
        let parts = values
            .iter()
            .map(|value| self.compare(field, op, Cmp::Eq, value, depth))
            .collect::<Result<_, _>>()?;
        Ok(Filter::Or(parts))
    }

    /// The field compares with `operand`, converted for its kind.
    fn compare(
        &mut self,
        field: &Field<'_>,
        op: &str,
        cmp: Cmp,
        operand: &Value,
        depth: usize,
    ) -> Parsed {
        let eq = cmp == Cmp::Eq;
        let value = match (field.kind, operand) {
            (Kind::Id, _) => match (operand::id(operand), operand) {
                (Some(id), _) => Operand::Int(id),
                (None, Value::Number(n)) => number(n),
                _ => return Err(needs(field.name, op, "an integer id", operand)),
            },
            (Kind::Text { .. }, Value::String(text)) => Operand::Text(text.clone()),
            (Kind::Text { .. }, Value::Null) if eq => Operand::Null,
            // A number, boolean or structure never equals text (as in MongoDB).
            (Kind::Text { loose: true }, Value::Number(_)) => return self.never(),
            (Kind::Text { loose: true }, _) if eq => return self.never(),
            (Kind::Text { loose: true }, _) => {
                return Err(needs(field.name, op, "a number or a string", operand));
            }
            (Kind::Text { loose: false }, _) => {
                return Err(needs(field.name, op, "a string", operand));
            }
            (Kind::Time, _) => match operand::time_ms(operand) {
                Some(ms) => Operand::Time(ms),
                None => return Err(needs(field.name, op, DATE_OPERAND, operand)),
            },
            (Kind::Seconds, Value::Number(n)) => number(n),
            (Kind::Seconds, _) => {
                return Err(needs(field.name, op, "a number of seconds", operand));
            }
            (Kind::Version, _) => match operand::version(operand) {
                Some(index) => Operand::Int(index),
                None => {
                    return Err(needs(
                        field.name,
                        op,
                        "a version such as \"v3\" or 3",
                        operand,
                    ));
                }
            },
            (Kind::Labels, Value::String(label)) if eq => Operand::Text(label.clone()),
            (Kind::Labels, _) if eq => return Err(needs(field.name, op, "a string", operand)),
            (Kind::Labels, _) => {
                return Err(field.not_for(
                    op,
                    &format!("single values, not the label sets {}", self.schema.labels()),
                ));
            }
            (Kind::Json, Value::Number(_) | Value::String(_)) => Operand::Json(operand.clone()),
            (Kind::Json, _) if eq => {
                self.json_operand(field.name, operand, depth)?;
                Operand::Json(operand.clone())
            }
            (Kind::Json, _) => return Err(needs(field.name, op, "a number or a string", operand)),
        };
        self.test(field, Op::Cmp(cmp, value))
    }

    fn never(&mut self) -> Parsed {
        self.count(1)?;
        Ok(never())
    }

    /// An object or array operand compared whole: keys as path keys, nesting
    /// and size within the limits.
    fn json_operand(&mut self, name: &str, value: &Value, depth: usize) -> Result<(), String> {
        match value {
            Value::Object(members) => {
                let depth = self.deeper(depth)?;
                self.count(1)?;
                for (key, member) in members {
                    check_key(name, key)?;
                    self.json_operand(name, member, depth)?;
                }
            }
            Value::Array(items) => {
                let depth = self.deeper(depth)?;
                self.count(1)?;
                for item in items {
                    self.json_operand(name, item, depth)?;
                }
            }
            _ => self.count(1)?,
        }
        Ok(())
    }
}

/// Whether a field's object value is operators (`{"$gt": 1}`) rather than
/// an object to compare with (`{"layers": 4}`); mixing the two is an error.
fn is_operators(field: &str, object: &Map<String, Value>) -> Result<bool, String> {
    let operators = object.keys().filter(|k| k.starts_with('$')).count();
    if operators > 0 && operators < object.len() {
        return Err(format!(
            "filter on {field:?} mixes operators with plain keys: {}",
            show(&Value::Object(object.clone()))
        ));
    }
    Ok(operators > 0)
}
