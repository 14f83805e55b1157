//! Ordering by a [`Target`]: missing values last in both directions, ties
//! broken by the row id in the same direction, and the condition for "rows
//! after a cursor" in that order.

use cairn_core::filter::Order;

use super::cursor::Cursor;
use super::{Bind, ColumnMap, Invalid, Sql, Target};

/// What a page is ordered by: `key`, missing values last, then `id`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sort {
    pub key: Target,
    pub descending: bool,
    /// The row id column (`r.id`).
    pub id: &'static str,
}

impl Sort {
    /// `order` with its field mapped by `columns`.
    pub(crate) fn new(
        order: &Order,
        columns: ColumnMap,
        id: &'static str,
    ) -> Result<Sort, Invalid> {
        let key = columns(&order.field)
            .filter(|key| !matches!(key, Target::Labels(_)))
            .ok_or_else(|| {
                Invalid(format!(
                    "this listing cannot be ordered by {:?}",
                    order.field
                ))
            })?;
        Ok(Sort {
            key,
            descending: order.descending,
            id,
        })
    }

    pub(crate) fn direction(&self) -> &'static str {
        if self.descending { "DESC" } else { "ASC" }
    }

    /// The key's value as an SQL expression.
    pub(crate) fn push_value(&self, q: &mut Sql) {
        match &self.key {
            Target::Number(column)
            | Target::Text(column)
            | Target::PrefixedText { column, .. }
            | Target::Time { column, .. }
            | Target::Version(column) => q.push(column),
            // Refused by `Sort::new`.
            Target::Labels(_) => q.push("NULL"),
            Target::Leaf(path) => {
                q.push("(SELECT f.val FROM run_fields f WHERE f.run_id = r.id AND f.path = ");
                q.bind(Bind::Text(path.clone()));
                q.push(")");
            }
            Target::Json { doc, path } => {
                let value = crate::dialect::json_value(doc);
                let (before, after) = value.split_once('?').unwrap_or((&value, ""));
                q.push(before);
                q.bind(Bind::Text(path.clone()));
                q.push(after);
            }
        }
    }

    /// `ORDER BY` terms: missing values last, then the key, then the id.
    /// A key that is never missing is ordered by itself alone, so an index
    /// on (scope, key, id) serves the order without sorting.
    pub(crate) fn push_order_by(&self, q: &mut Sql) {
        if !self.key.never_null() {
            q.push("(");
            self.push_value(q);
            q.push(") IS NULL, ");
        }
        self.push_value(q);
        let direction = self.direction();
        q.push(&format!(" {direction}, {} {direction}", self.id));
    }

    /// Rows strictly after `after` in this order. SQLite orders values of
    /// different types the same way in `ORDER BY` and in row-value
    /// comparisons, so one comparison serves numbers and text alike.
    pub(crate) fn push_after(&self, q: &mut Sql, after: &Cursor) {
        let beyond = if self.descending { " < " } else { " > " };
        let Some(key) = after.key.bind() else {
            // Past the last value: only missing values remain, by id.
            q.push("((");
            self.push_value(q);
            q.push(&format!(") IS NULL AND {}", self.id));
            q.push(beyond);
            q.bind(Bind::Int(after.id));
            q.push(")");
            return;
        };
        let nullable = !self.key.never_null();
        q.push(if nullable { "((" } else { "(" });
        self.push_value(q);
        q.push(&format!(", {})", self.id));
        q.push(beyond);
        q.push("(");
        q.bind(key);
        q.push(", ");
        q.bind(Bind::Int(after.id));
        q.push(")");
        // Missing values come after every value.
        if nullable {
            q.push(" OR (");
            self.push_value(q);
            q.push(") IS NULL)");
        }
    }
}
