//! The compiler itself: each node of the tree, each operator on each kind
//! of [`Target`].

use cairn_core::filter::{Cmp, Filter, Op, Operand, Regex, Test};
use serde_json::{Map, Value};

use super::pattern::Pattern;
use super::{Bind, ColumnMap, Invalid, Labels, Sql, Target};
use crate::dialect::{
    self, JSON_NUMBER as NUMERIC, JSON_TEXT as TEXTUAL, json_array_len, json_object_len, json_type,
    json_value,
};

type Compiled = Result<(), Invalid>;

pub(super) struct Compiler<'o> {
    pub out: &'o mut Sql,
    pub columns: ColumnMap,
}

fn sql(cmp: Cmp) -> &'static str {
    match cmp {
        Cmp::Eq => "=",
        Cmp::Gt => ">",
        Cmp::Gte => ">=",
        Cmp::Lt => "<",
        Cmp::Lte => "<=",
    }
}

/// A number operand as a bind.
fn number(operand: &Operand) -> Option<Bind> {
    match operand {
        Operand::Int(i) => Some(Bind::Int(*i)),
        Operand::Real(f) => Some(Bind::Real(*f)),
        _ => None,
    }
}

/// A JSON number as a bind: integers stay exact.
fn json_number(n: &serde_json::Number) -> Bind {
    match n.as_i64() {
        Some(i) => Bind::Int(i),
        // Binds as NULL, which matches nothing.
        None => Bind::Real(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Bounds of the `run_fields` paths strictly under `path`: `path.` ≤ p <
/// `path/` (`/` sorts right after `.`), so `config.model` finds
/// `config.model.*`.
fn prefix_bounds(path: &str) -> (Bind, Bind) {
    (
        Bind::Text(format!("{path}.")),
        Bind::Text(format!("{path}/")),
    )
}

/// A tree node the target cannot take; the schema and the column map
/// disagree.
fn unsupported(target: &Target, op: &Op) -> Invalid {
    Invalid(format!("this listing cannot search {target:?} with {op:?}"))
}

impl Compiler<'_> {
    fn push(&mut self, sql: &str) {
        self.out.push(sql);
    }

    fn condition(&mut self, sql: &str, binds: impl IntoIterator<Item = Bind>) -> Compiled {
        self.out.condition(sql, binds);
        Ok(())
    }

    pub(super) fn filter(&mut self, filter: &Filter) -> Compiled {
        match filter {
            Filter::And(parts) => self.join(parts, " AND ", "1"),
            Filter::Or(parts) => self.join(parts, " OR ", "0"),
            Filter::Not(inner) => self.negated(|q| q.filter(inner)),
            Filter::Test(Test { field, op }) => {
                let target = (self.columns)(field)
                    .ok_or_else(|| Invalid(format!("this listing has no field {field:?}")))?;
                self.test(&target, op)
            }
        }
    }

    /// `(a AND b)`; an empty list is `empty`.
    fn join(&mut self, parts: &[Filter], separator: &str, empty: &str) -> Compiled {
        let mut first = true;
        for part in parts {
            self.push(if first { "(" } else { separator });
            first = false;
            self.filter(part)?;
        }
        self.push(if first { empty } else { ")" });
        Ok(())
    }

    fn negated(&mut self, inner: impl FnOnce(&mut Self) -> Compiled) -> Compiled {
        self.push("((");
        inner(self)?;
        self.push(") IS NOT TRUE)");
        Ok(())
    }

    fn test(&mut self, target: &Target, op: &Op) -> Compiled {
        match op {
            Op::Cmp(cmp, operand) => self.compare(target, op, *cmp, operand),
            Op::Exists(true) => self.present(target),
            Op::Exists(false) => self.negated(|q| q.present(target)),
            Op::Regex(regex) => {
                let (test, bind) = regex_test(regex);
                self.text_test(target, op, test, bind)
            }
            Op::Contains(part) => {
                self.text_test(target, op, TextTest::Contains, Bind::Text(part.clone()))
            }
            Op::Size(count) => match target {
                Target::Labels(Labels { rows, .. }) => self.condition(
                    &format!("(SELECT COUNT(*) FROM {rows}) = ?"),
                    [Bind::Int(i64::try_from(*count).unwrap_or(i64::MAX))],
                ),
                _ => Err(unsupported(target, op)),
            },
        }
    }

    fn compare(&mut self, target: &Target, op: &Op, cmp: Cmp, operand: &Operand) -> Compiled {
        let ordered = |column: &str| format!("{column} {} ?", sql(cmp));
        match (target, operand) {
            (Target::Number(column) | Target::Version(column), _) if number(operand).is_some() => {
                self.condition(&ordered(column), number(operand))
            }
            (Target::Text(column) | Target::PrefixedText { column, .. }, Operand::Text(text)) => {
                self.condition(&ordered(column), [Bind::Text(text.clone())])
            }
            (Target::Text(column) | Target::PrefixedText { column, .. }, Operand::Null) => {
                self.condition(&format!("{column} IS NULL"), [])
            }
            (Target::Time { column, millis }, Operand::Time(ms)) => {
                let at = if *millis {
                    Bind::Int(*ms)
                } else if ms % 1000 == 0 {
                    Bind::Int(ms / 1000)
                } else {
                    Bind::Real(*ms as f64 / 1000.0)
                };
                self.condition(&ordered(column), [at])
            }
            (Target::Labels(labels), Operand::Text(label)) if cmp == Cmp::Eq => {
                self.has_label(*labels, "= ?", Bind::Text(label.clone()))
            }
            (Target::Leaf(path), Operand::Json(value)) => self.leaf_compare(path, cmp, value),
            (Target::Json { doc, path }, Operand::Json(value)) => match value {
                _ if cmp == Cmp::Eq => self.json_equals(doc, path, value, true),
                Value::Number(n) => self.json_ordered(doc, path, cmp, NUMERIC, json_number(n)),
                Value::String(s) => {
                    self.json_ordered(doc, path, cmp, TEXTUAL, Bind::Text(s.clone()))
                }
                _ => Err(unsupported(target, op)),
            },
            _ => Err(unsupported(target, op)),
        }
    }

    /// `$exists: true`; for labels: there is at least one.
    fn present(&mut self, target: &Target) -> Compiled {
        match target {
            Target::Text(column) | Target::PrefixedText { column, .. } => {
                self.condition(&format!("{column} IS NOT NULL"), [])
            }
            Target::Number(_) | Target::Time { .. } | Target::Version(_) => self.condition("1", []),
            Target::Labels(Labels { rows, .. }) => {
                self.condition(&format!("EXISTS (SELECT 1 FROM {rows})"), [])
            }
            Target::Leaf(path) => {
                let (below, above) = prefix_bounds(path);
                self.condition(
                    "EXISTS (SELECT 1 FROM run_fields f WHERE f.run_id = r.id \
                     AND (f.path = ? OR (f.path > ? AND f.path < ?)))",
                    [Bind::Text(path.clone()), below, above],
                )
            }
            Target::Json { doc, path } => self.condition(
                &format!("{} IS NOT NULL", json_type(doc)),
                [Bind::Text(path.clone())],
            ),
        }
    }

    /// One of the row's labels passes `test` (SQL after the label, one `?`).
    fn has_label(&mut self, labels: Labels, test: &str, bind: Bind) -> Compiled {
        let Labels { rows, column } = labels;
        self.condition(
            &format!("EXISTS (SELECT 1 FROM {rows} AND {column} {test})"),
            [bind],
        )
    }

    /// A text test (`REGEXP ?`, `instr(…)`) on the target's text.
    fn text_test(&mut self, target: &Target, op: &Op, test: TextTest, bind: Bind) -> Compiled {
        let on = |value: &str| test.sql(value);
        match target {
            Target::Text(column) => self.condition(&on(column), [bind]),
            Target::PrefixedText { column, unprefixed } => self.condition(
                &format!("({} OR {})", on(column), on(unprefixed)),
                [bind.clone(), bind],
            ),
            Target::Version(column) => self.condition(&on(&format!("('v' || {column})")), [bind]),
            Target::Labels(Labels { rows, column }) => self.condition(
                &format!("EXISTS (SELECT 1 FROM {rows} AND {})", on(column)),
                [bind],
            ),
            Target::Leaf(path) => self.condition(
                &format!(
                    "EXISTS (SELECT 1 FROM run_fields f WHERE f.run_id = r.id AND f.path = ? \
                     AND {} AND {})",
                    dialect::is_text("f.val"),
                    on("f.val")
                ),
                [Bind::Text(path.clone()), bind],
            ),
            Target::Json { doc, path } => self.condition(
                &format!(
                    "({} {TEXTUAL} AND {})",
                    json_type(doc),
                    on(&json_value(doc))
                ),
                [Bind::Text(path.clone()), Bind::Text(path.clone()), bind],
            ),
            Target::Number(_) | Target::Time { .. } => Err(unsupported(target, op)),
        }
    }

    /// A config or summary leaf compared with `operand` (see
    /// `runs/fields.rs` for how leaves are stored: lists as JSON text,
    /// booleans as blobs).
    fn leaf_compare(&mut self, path: &str, cmp: Cmp, operand: &Value) -> Compiled {
        let at = || Bind::Text(path.to_string());
        let eq = cmp == Cmp::Eq;
        let (test, bind) = match operand {
            Value::Number(n) => (dialect::is_number("f.val"), json_number(n)),
            Value::String(text) => (dialect::is_text("f.val"), Bind::Text(text.clone())),
            Value::Bool(b) if eq => (dialect::is_bool("f.val"), Bind::Bool(*b)),
            Value::Array(_) if eq => (dialect::is_text("f.val"), Bind::Text(operand.to_string())),
            Value::Null if eq => {
                // Missing, or null: no non-null leaf at the path or under it.
                let (below, above) = prefix_bounds(path);
                return self.condition(
                    "NOT EXISTS (SELECT 1 FROM run_fields f WHERE f.run_id = r.id \
                     AND f.val IS NOT NULL AND (f.path = ? OR (f.path > ? AND f.path < ?)))",
                    [at(), below, above],
                );
            }
            Value::Object(members) if eq => return self.leaf_object_equals(path, members),
            _ => {
                return Err(Invalid(format!(
                    "{operand} cannot be compared by order with {path:?}"
                )));
            }
        };
        self.condition(
            &format!(
                "EXISTS (SELECT 1 FROM run_fields f WHERE f.run_id = r.id AND f.path = ? \
                 AND {test} AND f.val {} ?)",
                sql(cmp)
            ),
            [at(), bind],
        )
    }

    /// An object equals the leaves under `path`: each of its leaves is
    /// there with its value, and there are no others.
    fn leaf_object_equals(&mut self, path: &str, members: &Map<String, Value>) -> Compiled {
        let mut leaves = Vec::new();
        object_leaves(path, members, &mut leaves);
        let (below, above) = prefix_bounds(path);
        self.push("(");
        self.condition(
            "(SELECT COUNT(*) FROM run_fields f WHERE f.run_id = r.id \
             AND f.path > ? AND f.path < ?) = ?",
            [below, above, Bind::Int(leaves.len() as i64)],
        )?;
        for (leaf_path, value) in leaves {
            self.push(" AND ");
            self.leaf_compare(&leaf_path, Cmp::Eq, value)?;
        }
        self.push(")");
        Ok(())
    }

    /// The value at `path` of `doc` has a `json_type` of `types` and
    /// compares to `bind`.
    fn json_ordered(
        &mut self,
        doc: &str,
        path: &str,
        cmp: Cmp,
        types: &str,
        bind: Bind,
    ) -> Compiled {
        self.condition(
            &format!(
                "({} {types} AND {} {} ?)",
                json_type(doc),
                json_value(doc),
                sql(cmp)
            ),
            [Bind::Text(path.into()), Bind::Text(path.into()), bind],
        )
    }

    /// The JSON at `path` of `doc` equals `value`: numbers only numbers,
    /// strings only strings, objects key by key in any order, arrays element
    /// by element. At the top, `null` also matches a missing value.
    fn json_equals(&mut self, doc: &str, path: &str, value: &Value, top: bool) -> Compiled {
        let at = || Bind::Text(path.into());
        match value {
            Value::Number(n) => self.json_ordered(doc, path, Cmp::Eq, NUMERIC, json_number(n)),
            Value::String(s) => {
                self.json_ordered(doc, path, Cmp::Eq, TEXTUAL, Bind::Text(s.clone()))
            }
            Value::Bool(b) => self.condition(&format!("{} = '{b}'", json_type(doc)), [at()]),
            Value::Null if top => self.condition(
                &format!("COALESCE({}, 'null') = 'null'", json_type(doc)),
                [at()],
            ),
            Value::Null => self.condition(&format!("{} = 'null'", json_type(doc)), [at()]),
            Value::Object(members) => {
                self.push("(");
                self.condition(
                    &format!(
                        "{} = 'object' AND {} = ?",
                        json_type(doc),
                        json_object_len(doc)
                    ),
                    [at(), at(), Bind::Int(members.len() as i64)],
                )?;
                for (key, member) in members {
                    self.push(" AND ");
                    self.json_equals(doc, &format!("{path}.\"{key}\""), member, false)?;
                }
                self.push(")");
                Ok(())
            }
            Value::Array(items) => {
                self.push("(");
                self.condition(
                    &format!(
                        "{} = 'array' AND {} = ?",
                        json_type(doc),
                        json_array_len(doc)
                    ),
                    [at(), at(), Bind::Int(items.len() as i64)],
                )?;
                for (i, item) in items.iter().enumerate() {
                    self.push(" AND ");
                    self.json_equals(doc, &format!("{path}[{i}]"), item, false)?;
                }
                self.push(")");
                Ok(())
            }
        }
    }
}

/// The leaves of an object operand under `path`, as `run_fields` holds
/// them.
fn object_leaves<'v>(
    path: &str,
    members: &'v Map<String, Value>,
    out: &mut Vec<(String, &'v Value)>,
) {
    for (key, value) in members {
        let leaf_path = format!("{path}.{key}");
        match value {
            Value::Object(inner) => object_leaves(&leaf_path, inner, out),
            _ => out.push((leaf_path, value)),
        }
    }
}

/// A test on text with one `?`.
#[derive(Debug, Clone, Copy)]
enum TextTest {
    Pattern(&'static str),
    Contains,
}

impl TextTest {
    fn sql(self, value: &str) -> String {
        match self {
            TextTest::Pattern(test) => format!("{value} {test}"),
            TextTest::Contains => dialect::contains(value),
        }
    }
}

/// `$regex` as `GLOB`/`LIKE` when the pattern is that simple, else `REGEXP`.
fn regex_test(regex: &Regex) -> (TextTest, Bind) {
    let pattern = Pattern::of(regex);
    (TextTest::Pattern(pattern.sql()), Bind::Text(pattern.text))
}
