//! Deciding a checked filter on one event's labels, in memory.
//!
//! Searches never come here: they are compiled to SQL by the store's one
//! compiler. An automation's artifact event (an alias added, a version
//! linked with its aliases, a tag removed) is not a row to search but a few
//! labels known at the moment it happens, so its filter — parsed by the same
//! parser against [`super::ARTIFACT_EVENTS`], where every field is a label
//! set — is decided here. Only label tests can reach this code; anything
//! else does not match.

use super::{Cmp, FieldRef, Filter, Op, Operand, Test};

impl Filter {
    /// Whether the labels `labels(field)` (`"alias"`, `"tag"`) pass.
    pub fn matches_labels<'a>(&self, labels: &impl Fn(&str) -> &'a [String]) -> bool {
        match self {
            Filter::And(parts) => parts.iter().all(|p| p.matches_labels(labels)),
            Filter::Or(parts) => parts.iter().any(|p| p.matches_labels(labels)),
            Filter::Not(part) => !part.matches_labels(labels),
            Filter::Test(test) => test_labels(test, labels),
        }
    }
}

fn test_labels<'a>(test: &Test, labels: &impl Fn(&str) -> &'a [String]) -> bool {
    let FieldRef::Named(field) = &test.field else {
        return false;
    };
    let set = labels(field);
    match &test.op {
        Op::Cmp(Cmp::Eq, Operand::Text(label)) => set.iter().any(|l| l == label),
        Op::Cmp(Cmp::Eq, Operand::Null) | Op::Exists(false) => set.is_empty(),
        Op::Exists(true) => !set.is_empty(),
        Op::Contains(part) => set.iter().any(|l| l.contains(part.as_str())),
        Op::Size(n) => set.len() as u64 == *n,
        Op::Regex(regex) => regex::RegexBuilder::new(&regex.pattern)
            .size_limit(super::operand::REGEX_SIZE_LIMIT)
            .build()
            .is_ok_and(|re| set.iter().any(|l| re.is_match(l))),
        Op::Cmp(..) => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::filter::{ARTIFACT_EVENTS, Filter};

    fn matches(filter: &str, aliases: &[&str]) -> bool {
        let filter =
            Filter::parse(&serde_json::from_str(filter).unwrap(), &ARTIFACT_EVENTS).unwrap();
        let aliases: Vec<String> = aliases.iter().map(|a| a.to_string()).collect();
        let none: Vec<String> = Vec::new();
        filter.matches_labels(&|field: &str| {
            if field == "alias" {
                &aliases[..]
            } else {
                &none[..]
            }
        })
    }

    #[test]
    fn the_clients_alias_filters_decide_as_in_a_search() {
        assert!(matches(r#"{"$or":[{"$and":[]}]}"#, &[]));
        assert!(matches(
            r#"{"$or":[{"$and":[{"alias":{"$eq":"prod"}}]}]}"#,
            &["v3", "prod"]
        ));
        assert!(!matches(
            r#"{"$or":[{"$and":[{"alias":{"$eq":"prod"}}]}]}"#,
            &["staging"]
        ));
        assert!(matches(r#"{"alias":{"$regex":"^prod"}}"#, &["production"]));
        assert!(matches(r#"{"alias":{"$in":["a","b"]}}"#, &["b"]));
        assert!(!matches(r#"{"alias":{"$nin":["a","b"]}}"#, &["b"]));
        assert!(matches(
            r#"{"$and":[{"alias":"a"},{"tag":{"$exists":false}}]}"#,
            &["a"]
        ));
        assert!(!matches(r#"{"tag":{"$eq":"x"}}"#, &["x"]));
    }
}
