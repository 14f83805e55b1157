//! [`Filter`]: run filters, the MongoDB-style JSON documents `api.runs`
//! sends, built with types instead of by hand.
//!
//! ```
//! use cairn_client::Filter;
//! use serde_json::json;
//!
//! let f = Filter::config("lr").gt(0.01).and(Filter::tags().is_in(["baseline"]));
//! assert_eq!(
//!     f.to_json(),
//!     json!({"$and": [{"config.lr": {"$gt": 0.01}}, {"tags": {"$in": ["baseline"]}}]})
//! );
//! // Raw JSON works as well, sent unchanged.
//! let raw = Filter::from(json!({"state": "finished"}));
//! assert_eq!(raw.to_json(), json!({"state": "finished"}));
//! ```
//!
//! The builder only writes JSON; the server decides what a path means
//! (`config.lr` is the config value, `summary_metrics.loss` the summary's).

use serde_json::{Map, Value, json};

/// A run filter. `Filter::default()` matches every run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter(Map<String, Value>);

impl Filter {
    /// A condition on any path (`state`, `display_name`, `config.lr`, …).
    pub fn field(path: impl Into<String>) -> Field {
        Field(path.into())
    }

    /// A config value: `config.<key>`.
    pub fn config(key: &str) -> Field {
        Field(format!("config.{key}"))
    }

    /// A summary value: `summary_metrics.<key>`.
    pub fn summary(key: &str) -> Field {
        Field(format!("summary_metrics.{key}"))
    }

    /// The run's state (`running`, `finished`, …).
    pub fn state() -> Field {
        Field("state".into())
    }

    /// The run's tags (use [`Field::is_in`] or [`Field::eq`] with one tag).
    pub fn tags() -> Field {
        Field("tags".into())
    }

    /// The run's display name.
    pub fn display_name() -> Field {
        Field("display_name".into())
    }

    /// The run's group.
    pub fn group() -> Field {
        Field("group".into())
    }

    /// The run's job type.
    pub fn job_type() -> Field {
        Field("jobType".into())
    }

    /// When the run was created (`YYYY-MM-DDTHH:MM:SS`, UTC).
    pub fn created_at() -> Field {
        Field("created_at".into())
    }

    /// Both this and `other` (`$and`; nested `$and`s are flattened).
    pub fn and(self, other: Filter) -> Filter {
        Filter::all_of([self, other])
    }

    /// This or `other` (`$or`).
    pub fn or(self, other: Filter) -> Filter {
        Filter::any_of([self, other])
    }

    /// Every one of `filters`; an empty filter adds nothing.
    pub fn all_of(filters: impl IntoIterator<Item = Filter>) -> Filter {
        Filter::combine("$and", filters)
    }

    /// At least one of `filters`.
    pub fn any_of(filters: impl IntoIterator<Item = Filter>) -> Filter {
        Filter::combine("$or", filters)
    }

    /// None of `filters` (`$nor`).
    pub fn none_of(filters: impl IntoIterator<Item = Filter>) -> Filter {
        let parts: Vec<Value> = filters.into_iter().map(Filter::into_json).collect();
        Filter::single("$nor", Value::Array(parts))
    }

    /// Whether this filter matches every run.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The JSON document.
    pub fn to_json(&self) -> Value {
        Value::Object(self.0.clone())
    }

    /// The JSON document, by value.
    pub fn into_json(self) -> Value {
        Value::Object(self.0)
    }

    fn single(key: &str, value: Value) -> Filter {
        let mut map = Map::new();
        map.insert(key.to_string(), value);
        Filter(map)
    }

    fn combine(op: &str, filters: impl IntoIterator<Item = Filter>) -> Filter {
        let mut parts = Vec::new();
        for filter in filters {
            match filter.0.get(op) {
                // `{"$and": [a, b]}` inside an `$and` is just `a, b`.
                Some(Value::Array(inner)) if filter.0.len() == 1 => {
                    parts.extend(inner.iter().cloned())
                }
                _ if filter.is_empty() && op == "$and" => {}
                _ => parts.push(filter.into_json()),
            }
        }
        match parts.len() {
            1 if op == "$and" => match parts.pop() {
                Some(Value::Object(map)) => Filter(map),
                Some(other) => Filter::single(op, json!([other])),
                None => Filter::default(),
            },
            0 if op == "$and" => Filter::default(),
            _ => Filter::single(op, Value::Array(parts)),
        }
    }
}

impl From<Value> for Filter {
    /// Raw JSON, sent unchanged. A JSON object is expected; `null` matches
    /// every run and anything else is wrapped as `{"$and": [value]}` so the
    /// server rejects it with its own message.
    fn from(value: Value) -> Filter {
        match value {
            Value::Object(map) => Filter(map),
            Value::Null => Filter::default(),
            other => Filter::single("$and", json!([other])),
        }
    }
}

impl From<Filter> for Value {
    fn from(filter: Filter) -> Value {
        filter.into_json()
    }
}

/// A path to compare, from [`Filter::field`] and friends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field(String);

impl Field {
    /// Equal to `value` (for `tags`: has the tag).
    pub fn eq(self, value: impl Into<Value>) -> Filter {
        Filter::single(&self.0, value.into())
    }

    /// Not equal (`$ne`).
    pub fn ne(self, value: impl Into<Value>) -> Filter {
        self.op("$ne", value.into())
    }

    /// Greater than (`$gt`).
    pub fn gt(self, value: impl Into<Value>) -> Filter {
        self.op("$gt", value.into())
    }

    /// Greater than or equal (`$gte`).
    pub fn gte(self, value: impl Into<Value>) -> Filter {
        self.op("$gte", value.into())
    }

    /// Less than (`$lt`).
    pub fn lt(self, value: impl Into<Value>) -> Filter {
        self.op("$lt", value.into())
    }

    /// Less than or equal (`$lte`).
    pub fn lte(self, value: impl Into<Value>) -> Filter {
        self.op("$lte", value.into())
    }

    /// One of `values` (`$in`; for `tags`: has any of them).
    pub fn is_in<V: Into<Value>>(self, values: impl IntoIterator<Item = V>) -> Filter {
        self.op("$in", values.into_iter().map(Into::into).collect())
    }

    /// None of `values` (`$nin`).
    pub fn not_in<V: Into<Value>>(self, values: impl IntoIterator<Item = V>) -> Filter {
        self.op("$nin", values.into_iter().map(Into::into).collect())
    }

    /// Matches a regular expression (`$regex`).
    pub fn regex(self, pattern: impl Into<String>) -> Filter {
        self.op("$regex", Value::String(pattern.into()))
    }

    /// Present (`true`) or absent (`false`) (`$exists`).
    pub fn exists(self, present: bool) -> Filter {
        self.op("$exists", Value::Bool(present))
    }

    fn op(self, op: &str, value: Value) -> Filter {
        Filter::single(&self.0, json!({ op: value }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_documents_python_users_write() {
        assert_eq!(
            Filter::state().eq("finished").to_json(),
            json!({"state": "finished"})
        );
        assert_eq!(
            Filter::summary("loss").lte(0.5).to_json(),
            json!({"summary_metrics.loss": {"$lte": 0.5}})
        );
        assert_eq!(
            Filter::display_name().regex("^foo").to_json(),
            json!({"display_name": {"$regex": "^foo"}})
        );
        assert_eq!(
            Filter::config("opt").not_in(["sgd", "adam"]).to_json(),
            json!({"config.opt": {"$nin": ["sgd", "adam"]}})
        );
        assert_eq!(
            Filter::none_of([Filter::group().exists(true)]).to_json(),
            json!({"$nor": [{"group": {"$exists": true}}]})
        );
    }

    #[test]
    fn combinations_flatten_and_drop_empty_parts() {
        let a = Filter::config("a").eq(1);
        let b = Filter::config("b").eq(2);
        let c = Filter::config("c").eq(3);
        assert_eq!(
            a.clone().and(b.clone()).and(c.clone()).to_json(),
            json!({"$and": [{"config.a": 1}, {"config.b": 2}, {"config.c": 3}]})
        );
        assert_eq!(Filter::default().and(a.clone()), a);
        assert!(Filter::all_of([]).is_empty());
        assert_eq!(
            a.or(b).and(c).to_json(),
            json!({"$and": [{"$or": [{"config.a": 1}, {"config.b": 2}]}, {"config.c": 3}]})
        );
    }

    #[test]
    fn raw_json_is_kept_as_is() {
        let raw = json!({"$or": [{"state": "crashed"}], "tags": "x"});
        assert_eq!(Filter::from(raw.clone()).to_json(), raw);
        assert!(Filter::from(Value::Null).is_empty());
    }
}
