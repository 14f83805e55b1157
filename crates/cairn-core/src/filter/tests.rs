//! The parser alone: what each listing accepts, and the words it uses to
//! refuse the rest. (The SQL each tree becomes, and the rows it finds, are
//! tested in `cairn-store`.)

use serde_json::{Value, json};

use super::*;

fn parse(schema: &Schema, json: Value) -> Filter {
    Filter::parse(&json, schema).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn message(schema: &Schema, json: Value) -> String {
    match Filter::parse(&json, schema) {
        Err(CoreError::InvalidInput(message)) => message,
        other => panic!("{json}: expected InvalidInput, got {other:?}"),
    }
}

fn test(field: FieldRef, op: Op) -> Filter {
    Filter::Test(Test { field, op })
}

fn path(doc: Doc, keys: &[&str]) -> FieldRef {
    FieldRef::Path {
        doc,
        keys: keys.iter().map(|k| k.to_string()).collect(),
    }
}

/// Each line `filter => text` of a run filter table is refused with a
/// message containing the text.
fn expect_run_errors(cases: &str) {
    let rows = cases.lines().map(str::trim);
    for line in rows.filter(|line| !line.is_empty()) {
        let (filter, expected) = line.split_once(" => ").expect("a ` => `");
        let json = serde_json::from_str(filter.trim()).expect(filter);
        let message = message(&RUNS, json);
        assert!(message.contains(expected.trim()), "{filter}: {message}");
    }
}

#[test]
fn operators_become_one_tree() {
    let lr = || path(Doc::Config, &["lr"]);
    assert_eq!(
        parse(
            &RUNS,
            json!({"config.lr.value": {"$in": [1, 0.5], "$ne": "x"}})
        ),
        Filter::And(vec![Filter::And(vec![
            Filter::Or(vec![
                test(lr(), Op::Cmp(Cmp::Eq, Operand::Json(json!(1)))),
                test(lr(), Op::Cmp(Cmp::Eq, Operand::Json(json!(0.5)))),
            ]),
            Filter::Not(Box::new(test(
                lr(),
                Op::Cmp(Cmp::Eq, Operand::Json(json!("x")))
            ))),
        ])])
    );
    assert_eq!(parse(&VERSIONS, json!(null)), Filter::And(vec![]));
    assert_eq!(
        parse(&VERSIONS, json!({"$nor": [{"version": "v3"}]})),
        Filter::And(vec![Filter::Not(Box::new(Filter::Or(vec![Filter::And(
            vec![test(
                FieldRef::Named("version"),
                Op::Cmp(Cmp::Eq, Operand::Int(3))
            )]
        )])))])
    );
}

#[test]
fn fields_resolve_to_one_name_whatever_the_spelling() {
    for (name, field) in [
        ("createdAt", FieldRef::Named("created_at")),
        ("display_name", FieldRef::Named("display_name")),
        ("config.a.value.b", path(Doc::Config, &["a", "b"])),
        ("config.a.b.value", path(Doc::Config, &["a", "b"])),
        ("summary.acc.top1", path(Doc::Summary, &["acc", "top1"])),
        ("systemMetrics.cpu", path(Doc::SystemMetrics, &["cpu"])),
    ] {
        assert_eq!(RUNS.resolve(name).unwrap().unwrap().0, field, "{name}");
    }
    assert_eq!(
        VERSIONS.resolve("artifact_metadata").unwrap().unwrap().0,
        path(Doc::Metadata, &[])
    );
    assert_eq!(
        COLLECTIONS.resolve("collection_id").unwrap().unwrap().0,
        FieldRef::Named("id")
    );
    assert_eq!(RUNS.resolve("colour").unwrap(), None);
}

#[test]
fn operands_are_converted_for_their_field() {
    fn only(filter: Filter) -> Op {
        match filter {
            Filter::And(mut parts) if parts.len() == 1 => only(parts.remove(0)),
            Filter::Test(Test { op, .. }) => op,
            other => panic!("{other:?}"),
        }
    }
    let op = |schema: &Schema, json: Value| only(parse(schema, json));
    // base64("Project:42")
    for id in [json!(42), json!("42"), json!("UHJvamVjdDo0Mg==")] {
        assert_eq!(
            op(&REGISTRIES, json!({ "id": id })),
            Op::Cmp(Cmp::Eq, Operand::Int(42))
        );
    }
    assert_eq!(
        op(&RUNS, json!({"createdAt": "2026-01-01"})),
        Op::Cmp(Cmp::Eq, Operand::Time(1_767_225_600_000))
    );
    assert_eq!(
        op(&VERSIONS, json!({"updated_at": 1767225601.5})),
        Op::Cmp(Cmp::Eq, Operand::Time(1_767_225_601_500))
    );
    for text in [
        "2026-01-01T00:00:00",
        "2026-01-01T00:00:00.000Z",
        "2026-01-01 00:00:00",
    ] {
        assert_eq!(time_ms(&json!(text)), Some(1_767_225_600_000), "{text}");
    }
    // On runs a number never equals text: it matches nothing.
    assert_eq!(
        parse(&RUNS, json!({"name": 5})),
        Filter::And(vec![Filter::Or(vec![])])
    );
    let Op::Regex(regex) = op(&RUNS, json!({"name": {"$regex": "^a", "$options": "i"}})) else {
        panic!()
    };
    assert_eq!(regex.pattern, "(?i)^a");
    assert_eq!(regex.source, "^a");
}

#[test]
fn bad_run_filters_say_what_is_wrong() {
    expect_run_errors(
        r#"
        {"config.lr": {"$in": 5}}       => filter operator "$in" on "config.lr" needs an array, got 5
        {"config.lr": {"$gt": [1]}}     => filter operator "$gt" on "config.lr" needs a number or a string, got [1]
        {"config.x": {"$gt": true}}     => "$gt" on "config.x" needs a number or a string, got true
        {"state": {"$lt": null}}        => "$lt" on "state" needs a number or a string, got null
        {"config.x": {"$exists": "yes"}} => "$exists" on "config.x" needs true or false
        {"config.x": {"$gt": 1, "y": 2}} => filter on "config.x" mixes operators with plain keys
        {"state": {"$not": 5}}          => "$not" on "state" needs an object of operators
        {"config.x": {"$all": ["a"]}}   => "$all" applies to the label sets tags, not to "config.x"
        {"config.x": {"$size": 1}}      => "$size" applies to the label sets tags, not to "config.x"
        [1]                             => a run filter must be a JSON object, got [1]
        {"$and": {}}                    => filter operator "$and" needs an array of filters, got {}
        {"$nor": [{}, 5]}               => "$nor" needs an array of filters (JSON objects), got 5 in it
        {"$not": [1]}                   => "$not" needs a filter (a JSON object), got [1]
        {"$where": "1"}                 => unknown filter operator "$where"
        {"config.lr": {"$foo": 1}}      => unknown filter operator "$foo" on "config.lr" in a run filter; supported: $eq
        {"colour": "red"}               => unknown filter field "colour"; supported fields: createdAt
        {"colour": "red"}               => summary_metrics.<key>, system_metrics.<key>, tags
        {"config..lr": 1}               => field "config..lr" has an empty key
        {"config": 1}                   => field "config" needs a key after it, such as "config.loss"
        {"config.": 1}                  => field "config." needs a key after it
        {"config.a\"b": 1}              => keys containing '"' or '\' cannot be searched
        {"config.model": {"a\\b": 1}}   => keys containing '"' or '\' cannot be searched
        {"tags": {"$gt": "a"}}          => filter operator "$gt" applies to single values, not the label sets tags, not to "tags"
        {"tags": 5}                     => filter operator "$eq" on "tags" needs a string, got 5
        {"tags": {"$in": ["a", 5]}}     => filter operator "$in" on "tags" needs a string
        {"tags": {"$all": "a"}}         => "$all" on "tags" needs an array of strings
        {"tags": {"$size": -1}}         => "$size" on "tags" needs a whole number
        {"createdAt": {"$gt": "yesterday"}} => "$gt" on "createdAt" needs a date such as "2024-05-01T12:00:00Z" or UNIX seconds, got "yesterday"
        {"createdAt": null}             => "$eq" on "createdAt" needs a date
        {"duration": "long"}            => "$eq" on "duration" needs a number of seconds, got "long"
        {"display_name": {"$regex": 5}}                     => "$regex" on "display_name" needs a string, got 5
        {"display_name": {"$regex": "a", "$options": "q"}}  => "$options" on "display_name" needs a string of the flags i, m, s, x
        {"display_name": {"$options": "i"}}                 => needs a "$regex" beside it
        {"createdAt": {"$regex": "2024"}}                   => filter operator "$regex" applies to text, not to "createdAt"
        {"duration": {"$contains": "1"}}                    => filter operator "$contains" applies to text, not to "duration"
        {"display_name": {"$contains": 1}}                  => "$contains" on "display_name" needs a string, got 1
        {"display_name": {"$regex": "a("}}                  => "$regex" on "display_name": "a(" is not a valid regex
        {"display_name": {"$regex": "(a{1000}){1000}"}}     => is not a valid regex
        "#,
    );
    let long = "a".repeat(MAX_REGEX_LEN + 1);
    assert!(
        message(&RUNS, json!({"name": {"$regex": long}}))
            .ends_with("the pattern is 1025 bytes; the limit is 1024.")
    );
}

#[test]
fn run_filter_text_must_be_json() {
    assert_eq!(Filter::parse_text(Some("  "), &RUNS).unwrap(), None);
    assert_eq!(Filter::parse_text(Some("null"), &RUNS).unwrap(), None);
    let Err(CoreError::InvalidInput(message)) = Filter::parse_text(Some("{"), &RUNS) else {
        panic!("invalid JSON accepted");
    };
    assert!(
        message.starts_with("The run filter is not valid JSON: "),
        "{message}"
    );
}

#[test]
fn bad_artifact_filters_say_what_is_wrong() {
    assert_eq!(
        message(&REGISTRIES, json!({"foo": 1})),
        "unknown field \"foo\" in a registry filter; known: id, name, entity_id, description, \
         created_at, updated_at"
    );
    assert!(message(&COLLECTIONS, json!({"alias": "x"})).starts_with(
        "unknown field \"alias\" in a collection filter; known: id (or artifact_collection_id"
    ));
    assert_eq!(
        message(&VERSIONS, json!({"version": {"$near": 1}})),
        "unknown filter operator \"$near\" on \"version\" in a version filter; supported: $eq, \
         $ne, $gt, $gte, $lt, $lte, $in, $nin, $exists, $regex (with $options), $contains, \
         $not, and $all, $size on tag and alias"
    );
    assert_eq!(
        message(&VERSIONS, json!({"$where": "1"})),
        "unknown filter operator \"$where\" in a version filter; a filter's keys are field \
         names or $and, $or, $nor, $not"
    );
    assert_eq!(
        message(&REGISTRIES, json!({"name": {"$in": "model"}})),
        "filter operator \"$in\" on \"name\" needs an array, got \"model\""
    );
    assert_eq!(
        message(&VERSIONS, json!({"created_at": {"$gt": "yesterday"}})),
        "filter operator \"$gt\" on \"created_at\" needs a date such as \
         \"2024-05-01T12:00:00Z\" or UNIX seconds, got \"yesterday\""
    );
    assert_eq!(
        message(&VERSIONS, json!({"version": "latest"})),
        "filter operator \"$eq\" on \"version\" needs a version such as \"v3\" or 3, got \"latest\""
    );
    assert_eq!(
        message(&REGISTRIES, json!({"id": "abc"})),
        "filter operator \"$eq\" on \"id\" needs an integer id, got \"abc\""
    );
    assert_eq!(
        message(&REGISTRIES, json!({"name": 5})),
        "filter operator \"$eq\" on \"name\" needs a string, got 5"
    );
    assert_eq!(
        message(&COLLECTIONS, json!({"name": {"$all": ["a"]}})),
        "filter operator \"$all\" applies to the label sets tag and alias, not to \"name\""
    );
    assert_eq!(
        message(&COLLECTIONS, json!({"tag": {"$gt": "a"}})),
        "filter operator \"$gt\" applies to single values, not the label sets tag and alias, \
         not to \"tag\""
    );
    assert_eq!(
        message(&VERSIONS, json!({"created_at": {"$regex": "2026"}})),
        "filter operator \"$regex\" applies to text, not to \"created_at\""
    );
    assert!(
        message(&REGISTRIES, json!({"name": {"$regex": "(model"}}))
            .starts_with("filter operator \"$regex\" on \"name\": \"(model\" is not a valid regex")
    );
    assert_eq!(
        message(&REGISTRIES, json!({"name": {"$options": "i"}})),
        "filter operator \"$options\" on \"name\" needs a \"$regex\" beside it, got \"i\""
    );
    assert_eq!(
        message(&VERSIONS, json!({"metadata.": 1})),
        "field \"metadata.\" has an empty key; keys are separated by single dots"
    );
    assert_eq!(
        message(&VERSIONS, json!({"$and": {"state": "COMMITTED"}})),
        "filter operator \"$and\" needs an array of filters, got {\"state\":\"COMMITTED\"}"
    );
    assert_eq!(
        message(&VERSIONS, json!(["state"])),
        "a version filter must be a JSON object, got [\"state\"]"
    );
    assert_eq!(
        message(&VERSIONS, json!({"tag": {"$eq": "a", "b": 1}})),
        "filter on \"tag\" mixes operators with plain keys: {\"$eq\":\"a\",\"b\":1}"
    );
}

#[test]
fn filters_too_deep_or_too_large_are_refused() {
    let mut deep = json!({"state": "finished"});
    let mut deep_value = json!(1);
    let mut nots = json!({"state": "COMMITTED"});
    for _ in 0..100 {
        deep = json!({"$and": [deep]});
        deep_value = json!({"k": deep_value});
        nots = json!({ "$not": nots });
    }
    assert!(message(&RUNS, deep).contains("nested too deeply"));
    assert!(message(&RUNS, json!({"config.x": deep_value})).contains("nested too deeply"));
    assert_eq!(
        message(&VERSIONS, nots),
        "the version filter is nested too deeply (more than 32 levels)"
    );
    let many: Vec<i64> = (0..2000).collect();
    assert_eq!(
        message(&RUNS, json!({"config.x": {"$in": many}})),
        "the run filter has more than 1000 conditions"
    );
    assert_eq!(
        message(&VERSIONS, json!({"id": {"$in": many}})),
        "the version filter has more than 1000 conditions"
    );
}

#[test]
fn run_orders_name_one_field() {
    let order = |text| Order::parse_runs(text);
    assert_eq!(
        order(None).unwrap(),
        Order {
            field: FieldRef::Named("created_at"),
            descending: false
        }
    );
    assert_eq!(
        order(Some(" -summary_metrics.loss ")).unwrap(),
        Order {
            field: path(Doc::Summary, &["loss"]),
            descending: true
        }
    );
    for (text, expected) in [
        ("+tags", "runs cannot be ordered by \"tags\""),
        (
            "-colour",
            "cannot order runs by \"colour\"; write +field or -field with one of: createdAt",
        ),
        ("config.a..b", "field \"config.a..b\" has an empty key"),
        ("summary_metrics", "field \"summary_metrics\" needs a key"),
    ] {
        let Err(CoreError::InvalidInput(message)) = order(Some(text)) else {
            panic!("{text} accepted");
        };
        assert!(message.contains(expected), "{text}: {message}");
    }
}
