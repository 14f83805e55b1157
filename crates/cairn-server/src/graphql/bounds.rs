//! Bounds on a GraphQL request, checked before anything else works on its
//! document.
//!
//! Why: async-graphql validates a document by walking it with every
//! fragment spread expanded in place (its recursion-depth check, and its
//! complexity, depth and cache-control visitors), so its work can double
//! with each fragment while the text grows by one line. A document whose
//! fragment `Fi` spreads `Fi+1` twice, 24 levels deep, is 1 KB and 2^25
//! fields once expanded: async-graphql answered "Query is too complex." only
//! after 12 s of CPU (debug build; 20 levels 0.75 s, 30 never finished), and
//! four 20-level requests at once kept `/healthz` waiting 1.5 s. 100,000
//! aliases (1.7 MB of text) were parsed and walked for 2.4 s before being
//! refused. A fragment cycle is expanded by the recursion check until it is
//! 32 deep, before the rule that refuses cycles runs.
//!
//! What: [`parse`] is the only way the router turns a query text into a
//! document, and no step costs more than a pass over the text or the tree:
//!
//! 1. the text's length ([`MAX_QUERY_BYTES`]; the request body as a whole is
//!    capped at [`MAX_BODY_BYTES`] by the router, before it is read);
//! 2. a lexical scan counting tokens ([`MAX_TOKENS`]) and the nesting of
//!    `{`, `[` and `(` ([`MAX_NESTING`]), which bound the parser's work and
//!    recursion before it starts;
//! 3. one parse (the router hands the document to async-graphql, which then
//!    does not parse it again);
//! 4. counts over the parsed text, no fragment expanded: fragments,
//!    fragment spreads, selections (each alias is a field), directives and
//!    arguments;
//! 5. the cost of the expanded document, with each fragment's cost worked
//!    out once and reused wherever it is spread (the doubling fragments
//!    cost 25 additions, not 2^24 visits): the fields it would resolve
//!    ([`MAX_FIELDS`], also async-graphql's complexity limit) and all its
//!    selections, spreads included ([`MAX_EXPANDED_SELECTIONS`], what the
//!    validator walks). A fragment cycle is refused here, naming it.
//!
//! Every limit is 9 to 120 times what the official client needs: over the
//! whole `e2e/python` suite (2,979 requests, 79 operations of `wandb`
//! 0.31.0 and wandb-core) the largest document was `RegistryVersions` with
//! 1,813 bytes, 240 tokens, 8 fragments, 11 spreads, 66 selections, 71
//! fields (83 selections expanded); the deepest nesting was 7, the most
//! directives 2 and the most arguments 9.
//!
//! Measured after, over HTTP on a shared 2-core machine, debug build: the
//! 24- and 30-level documents and a fragment cycle are refused in 1 to
//! 4 ms, 100,000 aliases in 7 ms (mostly reading and decoding the 1.7 MB
//! body), and `/healthz` and other queries kept answering in a few ms
//! while four clients sent 24- or 30-level documents. In a release build
//! the 24-level document is refused in under 1 ms, and the costliest
//! documents within the limits (a 64 KB string, 2,000 selections, 999
//! operations) take 2 to 8 ms each, in proportion to what they contain.

use std::collections::HashMap;

use async_graphql::ServerError;
use async_graphql::parser::types::{
    Directive, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::parser::{Positioned, parse_query};

/// Largest `/graphql` request body. The biggest bodies the official client
/// sends are `UpsertBucket` with a run's config and summary as JSON strings
/// (W&B asks for single values under 1 MB); artifact manifests and files do
/// not travel through GraphQL. A request over it gets 413, which wandb-core
/// does not retry.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Longest query text (official client: 1,813 bytes).
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
/// Most lexical tokens (names, numbers, strings, punctuation) in the text:
/// what the parser's work grows with, besides the bytes (official: 240).
pub const MAX_TOKENS: usize = 10_000;
/// Deepest nesting of `{`, `[` and `(` in the text (official: 7).
/// async-graphql's parser stops at 64 nested selection sets too, and its
/// depth limit (32 fields) applies later.
pub const MAX_NESTING: usize = 64;
/// Most fragment definitions in a document (official: 8).
pub const MAX_FRAGMENTS: usize = 100;
/// Most fragment spreads (`...Name`) in the text (official: 11).
pub const MAX_SPREADS: usize = 500;
/// Most selections in the text: fields (each alias is one), fragment
/// spreads and inline fragments (official: 66).
pub const MAX_SELECTIONS: usize = 2_000;
/// Most directives in the text (official: 2).
pub const MAX_DIRECTIVES: usize = 100;
/// Most arguments, of fields and directives, in the text (official: 9).
/// async-graphql compares the arguments of two fields of the same name
/// pairwise.
pub const MAX_ARGUMENTS: usize = 500;
/// Most fields a document would resolve, every fragment expanded where it
/// is spread (a field inside a list counts once): the complexity limit
/// (official: 71).
pub const MAX_FIELDS: usize = 5_000;
/// Most selections of any kind once every fragment is expanded: what
/// async-graphql's validation walks (official: 83).
pub const MAX_EXPANDED_SELECTIONS: usize = 10_000;

/// What a document costs; see the limits above for each count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cost {
    /// Fragment definitions.
    pub fragments: usize,
    /// Fragment spreads in the text.
    pub spreads: usize,
    /// Selections in the text.
    pub selections: usize,
    /// Directives in the text.
    pub directives: usize,
    /// Arguments of fields and directives in the text.
    pub arguments: usize,
    /// Fields resolved with fragments expanded, over all operations.
    pub fields: usize,
    /// Selections with fragments expanded, over all operations.
    pub expanded: usize,
}

/// Parse `query` into a document if it is within every bound; otherwise
/// the GraphQL error to answer with (a syntax error too is one).
pub fn parse(query: &str) -> Result<ExecutableDocument, ServerError> {
    let refuse = |message: String| ServerError::new(message, None);
    if query.len() > MAX_QUERY_BYTES {
        return Err(refuse(format!(
            "The query is too long: {} bytes (limit {MAX_QUERY_BYTES} bytes).",
            query.len()
        )));
    }
    let lexed = scan(query);
    if lexed.tokens > MAX_TOKENS {
        return Err(refuse(format!(
            "The query is too long: {} tokens (limit {MAX_TOKENS} tokens).",
            lexed.tokens
        )));
    }
    if lexed.nesting > MAX_NESTING {
        return Err(refuse(format!(
            "The query is nested too deeply: {} levels of braces, brackets or parentheses \
             (limit {MAX_NESTING}).",
            lexed.nesting
        )));
    }
    let document = parse_query(query)?;
    let cost = measure(&document).map_err(refuse)?;
    check(&cost).map_err(refuse)?;
    Ok(document)
}

/// Refuse a cost over any limit, naming it.
fn check(cost: &Cost) -> Result<(), String> {
    let over = |what: &str, count: usize, limit: usize| {
        Err(format!(
            "The query has too many {what}: {count} (limit {limit})."
        ))
    };
    if cost.fragments > MAX_FRAGMENTS {
        return over("fragments", cost.fragments, MAX_FRAGMENTS);
    }
    if cost.spreads > MAX_SPREADS {
        return over("fragment spreads", cost.spreads, MAX_SPREADS);
    }
    if cost.selections > MAX_SELECTIONS {
        return over(
            "selections (fields, aliases included, and fragments)",
            cost.selections,
            MAX_SELECTIONS,
        );
    }
    if cost.directives > MAX_DIRECTIVES {
        return over("directives", cost.directives, MAX_DIRECTIVES);
    }
    if cost.arguments > MAX_ARGUMENTS {
        return over("arguments", cost.arguments, MAX_ARGUMENTS);
    }
    if cost.fields > MAX_FIELDS {
        return Err(format!(
            "The query is too complex: it would resolve more than {MAX_FIELDS} fields \
             (limit {MAX_FIELDS})."
        ));
    }
    if cost.expanded > MAX_EXPANDED_SELECTIONS {
        return Err(format!(
            "The query is too complex: its fragments expand to more than \
             {MAX_EXPANDED_SELECTIONS} selections (limit {MAX_EXPANDED_SELECTIONS})."
        ));
    }
    Ok(())
}

/// What the lexical scan finds.
#[derive(Debug, Default, PartialEq, Eq)]
struct Scan {
    /// Lexical tokens: names, numbers, strings and punctuators (commas,
    /// white space and comments are not tokens).
    tokens: usize,
    /// The deepest nesting of `{`, `[` and `(`.
    nesting: usize,
}

/// Count tokens and nesting outside strings and comments, in one pass over
/// the bytes (UTF-8 continuation bytes never look like GraphQL's ASCII
/// punctuation). Unbalanced or unterminated text is left to the parser.
fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-');
    let (mut at, mut depth, mut scan) = (0, 0usize, Scan::default());
    while at < bytes.len() {
        match bytes[at] {
            b',' | b' ' | b'\t' | b'\n' | b'\r' => {
                at += 1;
                continue;
            }
            b'#' => {
                while at < bytes.len() && bytes[at] != b'\n' && bytes[at] != b'\r' {
                    at += 1;
                }
                continue;
            }
            b'"' if bytes[at..].starts_with(b"\"\"\"") => {
                // A block string ends at `"""` not escaped as `\"""`.
                at += 3;
                while at < bytes.len() && !bytes[at..].starts_with(b"\"\"\"") {
                    at += if bytes[at..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                at += 3;
            }
            b'"' => {
                at += 1;
                while at < bytes.len() && !matches!(bytes[at], b'"' | b'\n' | b'\r') {
                    at += if bytes[at] == b'\\' { 2 } else { 1 };
                }
                at += 1;
            }
            b'.' if bytes[at..].starts_with(b"...") => at += 3,
            // A name or a number (with its fraction and exponent).
            b if word(b) => {
                while at < bytes.len() && word(bytes[at]) {
                    at += 1;
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                scan.nesting = scan.nesting.max(depth);
                at += 1;
            }
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                at += 1;
            }
            _ => at += 1,
        }
        scan.tokens += 1;
    }
    scan
}

/// Count `document` without expanding any fragment more than once. Fails
/// only on a fragment cycle, naming it.
pub fn measure(document: &ExecutableDocument) -> Result<Cost, String> {
    let mut cost = Cost {
        fragments: document.fragments.len(),
        ..Cost::default()
    };

    // Each fragment's own fields and selections, and the fragments it spreads.
    let names: Vec<&str> = document.fragments.keys().map(|n| n.as_str()).collect();
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut own: Vec<Own> = Vec::with_capacity(names.len());
    for name in &names {
        let fragment: &FragmentDefinition = &document.fragments[*name].node;
        directives(&fragment.directives, &mut cost);
        let mut local = Own::default();
        walk(&fragment.selection_set, &index, &mut local, &mut cost);
        own.push(local);
    }
    let totals = expand(&names, &own)?;

    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        directives(&operation.directives, &mut cost);
        for variable in &operation.variable_definitions {
            directives(&variable.node.directives, &mut cost);
        }
        let mut local = Own::default();
        walk(&operation.selection_set, &index, &mut local, &mut cost);
        let mut fields = local.fields;
        let mut expanded = local.expanded;
        for &spread in &local.spreads {
            fields = fields.saturating_add(totals[spread].fields);
            expanded = expanded.saturating_add(totals[spread].expanded);
        }
        cost.fields = cost.fields.saturating_add(fields);
        cost.expanded = cost.expanded.saturating_add(expanded);
    }
    Ok(cost)
}

/// What one operation or fragment selects itself, before its spreads are
/// expanded.
#[derive(Default)]
struct Own {
    fields: usize,
    /// Its selections, spreads included.
    expanded: usize,
    /// The defined fragments it spreads (indexes, once per spread). Spreads
    /// of undefined fragments cost nothing here; validation refuses them.
    spreads: Vec<usize>,
}

/// Fields and selections with fragments expanded.
#[derive(Clone, Copy, Default)]
struct Total {
    fields: usize,
    expanded: usize,
}

/// Walk one selection set of the text, adding to its owner's `own` counts
/// and the document's `cost`. Recursion is as deep as the text's nesting,
/// which [`MAX_NESTING`] bounds.
fn walk(
    set: &Positioned<SelectionSet>,
    index: &HashMap<&str, usize>,
    own: &mut Own,
    cost: &mut Cost,
) {
    for selection in &set.node.items {
        cost.selections += 1;
        own.expanded += 1;
        match &selection.node {
            Selection::Field(field) => {
                own.fields += 1;
                cost.arguments += field.node.arguments.len();
                directives(&field.node.directives, cost);
                walk(&field.node.selection_set, index, own, cost);
            }
            Selection::FragmentSpread(spread) => {
                cost.spreads += 1;
                directives(&spread.node.directives, cost);
                if let Some(&target) = index.get(spread.node.fragment_name.node.as_str()) {
                    own.spreads.push(target);
                }
            }
            Selection::InlineFragment(inline) => {
                directives(&inline.node.directives, cost);
                walk(&inline.node.selection_set, index, own, cost);
            }
        }
    }
}

/// Count `list` and its arguments.
fn directives(list: &[Positioned<Directive>], cost: &mut Cost) {
    cost.directives += list.len();
    cost.arguments += list.iter().map(|d| d.node.arguments.len()).sum::<usize>();
}

/// Every fragment's cost with its spreads expanded, each fragment worked
/// out once (a depth-first walk with an explicit stack, so a long chain of
/// fragments cannot exhaust the thread's stack). A fragment reached again
/// while it is still being worked out is a cycle.
fn expand(names: &[&str], own: &[Own]) -> Result<Vec<Total>, String> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    let mut state = vec![State::New; own.len()];
    let mut totals = vec![Total::default(); own.len()];
    for root in 0..own.len() {
        if state[root] != State::New {
            continue;
        }
        // (fragment, how many of its spreads have been followed)
        let mut stack = vec![(root, 0)];
        state[root] = State::Open;
        while let Some(&mut (fragment, ref mut next)) = stack.last_mut() {
            if let Some(&target) = own[fragment].spreads.get(*next) {
                *next += 1;
                match state[target] {
                    State::New => {
                        state[target] = State::Open;
                        stack.push((target, 0));
                    }
                    State::Open => {
                        let from = stack.iter().position(|&(f, _)| f == target).unwrap_or(0);
                        let path: Vec<&str> = stack[from..]
                            .iter()
                            .map(|&(f, _)| names[f])
                            .chain([names[target]])
                            .collect();
                        return Err(format!(
                            "The query's fragments form a cycle ({}); a fragment cannot \
                             spread itself.",
                            path.join(" → ")
                        ));
                    }
                    State::Done => {}
                }
            } else {
                let mut total = Total {
                    fields: own[fragment].fields,
                    expanded: own[fragment].expanded,
                };
                for &spread in &own[fragment].spreads {
                    total.fields = total.fields.saturating_add(totals[spread].fields);
                    total.expanded = total.expanded.saturating_add(totals[spread].expanded);
                }
                totals[fragment] = total;
                state[fragment] = State::Done;
                stack.pop();
            }
        }
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(query: &str) -> Cost {
        measure(&parse_query(query).unwrap()).unwrap()
    }

    fn refusal(query: &str) -> String {
        parse(query).map(|_| ()).unwrap_err().message
    }

    /// `{viewer{...F0}}` with `Fi` spreading `Fi+1` twice, `levels` deep.
    fn doubling(levels: usize) -> String {
        let mut query = String::from("{ viewer { ...F0 } }\n");
        for i in 0..levels {
            let next = i + 1;
            query.push_str(&format!(
                "fragment F{i} on User {{ ...F{next} ...F{next} }}\n"
            ));
        }
        query + &format!("fragment F{levels} on User {{ id username }}\n")
    }

    #[test]
    fn a_plain_query_costs_its_fields() {
        let c = cost("query Q($a: String @deprecated) { viewer { id username @skip(if: false) } }");
        assert_eq!(
            c,
            Cost {
                fragments: 0,
                spreads: 0,
                selections: 3,
                directives: 2,
                arguments: 1,
                fields: 3,
                expanded: 3,
            }
        );
    }

    #[test]
    fn a_fragment_costs_what_it_selects_each_time_it_is_spread() {
        let c = cost(
            "{ viewer { ...U } a: viewer { ...U ... on User { ...U } } }
             fragment U on User { id username teams { ...T } }
             fragment T on Team { name }",
        );
        // viewer, a, and U (3 fields + T's 1) three times.
        assert_eq!(c.fields, 2 + 3 * 4);
        assert_eq!(c.spreads, 4);
        assert_eq!(c.fragments, 2);
        // Text: viewer ...U a ...U inline ...U, id username teams ...T, name.
        assert_eq!(c.selections, 11);
    }

    #[test]
    fn doubling_fragments_cost_two_to_the_levels_without_being_expanded() {
        let c = cost(&doubling(24));
        assert_eq!(c.fields, 1 + 2 * (1 << 24));
        assert_eq!(c.fragments, 25);
        let c = cost(&doubling(200));
        assert_eq!(c.fields, usize::MAX, "saturates instead of overflowing");
    }

    #[test]
    fn doubling_fragments_are_refused_as_too_complex() {
        for levels in [13, 24, 30, 99] {
            let message = refusal(&doubling(levels));
            assert_eq!(
                message,
                format!(
                    "The query is too complex: it would resolve more than {MAX_FIELDS} fields \
                     (limit {MAX_FIELDS})."
                ),
            );
        }
        // 2 * 2^11 + 1 fields is within the limit.
        assert!(parse(&doubling(11)).is_ok());
    }

    #[test]
    fn spreads_beyond_the_fields_limit_are_refused_as_expanding_too_far() {
        // One field reached through a chain of 90 fragments, spread 150
        // times: few fields, many spreads to walk.
        let mut query = format!("{{ viewer {{ {} }} }}\n", "...C0 ".repeat(150));
        for i in 0..90 {
            query.push_str(&format!("fragment C{i} on User {{ ...C{} }}\n", i + 1));
        }
        query.push_str("fragment C90 on User { id }\n");
        let c = cost(&query);
        assert_eq!(c.fields, 1 + 150);
        assert_eq!(c.expanded, 1 + 150 * 92);
        assert!(refusal(&query).contains("expand to more than"));
    }

    #[test]
    fn a_fragment_cycle_is_refused_naming_its_fragments() {
        let message = refusal(
            "{ viewer { ...A } }
             fragment A on User { id ...B }
             fragment B on User { ...C }
             fragment C on User { ...A ...A }",
        );
        assert!(
            message.starts_with("The query's fragments form a cycle ("),
            "{message}"
        );
        for name in ["A", "B", "C"] {
            assert!(message.contains(name), "{message}");
        }
        assert!(refusal("{ viewer { ...S } } fragment S on User { ...S }").contains("S → S"));
    }

    #[test]
    fn a_long_chain_of_fragments_is_not_a_cycle() {
        let mut query = String::from("{ viewer { ...C0 ...C0 } }\n");
        for i in 0..MAX_FRAGMENTS - 1 {
            query.push_str(&format!("fragment C{i} on User {{ id ...C{} }}\n", i + 1));
        }
        query.push_str(&format!(
            "fragment C{} on User {{ id }}\n",
            MAX_FRAGMENTS - 1
        ));
        let c = measure(&parse(&query).unwrap()).unwrap();
        assert_eq!(c.fields, 1 + 2 * MAX_FRAGMENTS);
    }

    #[test]
    fn undefined_and_unused_fragments_are_left_to_validation() {
        let c = cost("{ viewer { ...Missing } } fragment Unused on User { id }");
        assert_eq!(c.fields, 1);
        assert_eq!(c.spreads, 1);
    }

    #[test]
    fn each_count_in_the_text_has_its_limit() {
        let many = |n: usize, item: &dyn Fn(usize) -> String| {
            (0..n).map(item).collect::<Vec<_>>().join(" ")
        };
        let fields = format!(
            "{{ viewer {{ {} }} }}",
            many(MAX_SELECTIONS, &|i| format!("a{i}: id"))
        );
        assert!(refusal(&fields).starts_with("The query has too many selections"));

        let fragments = format!(
            "{{ viewer {{ id }} }} {}",
            many(MAX_FRAGMENTS + 1, &|i| format!(
                "fragment F{i} on User {{ id }}"
            ))
        );
        assert!(refusal(&fragments).starts_with("The query has too many fragments"));

        let spreads = format!(
            "{{ viewer {{ {} }} }} fragment F on User {{ id }}",
            many(MAX_SPREADS + 1, &|_| "...F".into())
        );
        assert!(refusal(&spreads).starts_with("The query has too many fragment spreads"));

        let directives = format!(
            "{{ viewer {{ id {} }} }}",
            many(MAX_DIRECTIVES + 1, &|_| "@include(if: true)".into())
        );
        assert!(refusal(&directives).starts_with("The query has too many directives"));

        let arguments = format!(
            "{{ viewer({}) {{ id }} }}",
            many(MAX_ARGUMENTS + 1, &|i| format!("a{i}: 1"))
        );
        assert!(refusal(&arguments).starts_with("The query has too many arguments"));
    }

    #[test]
    fn a_long_text_is_refused_before_it_is_parsed() {
        // Not even GraphQL: the length is checked first.
        let message = refusal(&"{".repeat(MAX_QUERY_BYTES + 1));
        assert!(message.starts_with("The query is too long"), "{message}");
    }

    #[test]
    fn deep_nesting_is_refused_before_it_is_parsed() {
        let deep = |n: usize| format!("{}id{}", "{ viewer ".repeat(n), " }".repeat(n));
        assert!(refusal(&deep(MAX_NESTING + 1)).starts_with("The query is nested too deeply"));
        let list = format!("{{ a(x: {}1{}) }}", "[".repeat(1000), "]".repeat(1000));
        assert!(refusal(&list).starts_with("The query is nested too deeply"));
        // At the limit, the parser gets it (and async-graphql's depth limit
        // refuses it later).
        assert!(parse(&deep(MAX_NESTING - 1)).is_ok());
    }

    #[test]
    fn tokens_are_counted_as_graphql_lexes_them() {
        let text = "# a comment { [ (\nquery Q($x: [Int!] = [1, -2.5e3]) @d { \
                    a: f(s: \"x { y\", b: \"\"\"z \\\"\"\" }\"\"\") ...F ... on T { g } }";
        // query Q ( $ x : [ Int ! ] = [ 1 -2.5e3 ] ) @ d {
        // a : f ( s : "…" b : """…""" ) ... F ... on T { g } }
        assert!(parse_query(text).is_ok());
        assert_eq!(
            scan(text),
            Scan {
                tokens: 39,
                nesting: 2
            }
        );
    }

    #[test]
    fn too_many_tokens_are_refused_before_parsing() {
        let text = format!("{{ viewer(x: [{}]) {{ id }} }}", "1 ".repeat(MAX_TOKENS));
        assert!(text.len() < MAX_QUERY_BYTES);
        assert!(refusal(&text).starts_with("The query is too long"));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_nest() {
        let text = format!(
            "# {open}\n{{ a(s: \"{open}\\\"{open}\", b: \"\"\"{open}\\\"\"\"{open}\"\"\") }}",
            open = "{[(".repeat(100)
        );
        assert_eq!(scan(&text).nesting, 2);
        assert_eq!(scan("{ a { b } } { c }").nesting, 2);
        assert_eq!(scan("}}} {").nesting, 1);
    }

    #[test]
    fn syntax_errors_are_graphql_errors_with_a_position() {
        let error = parse("{ viewer { id }").unwrap_err();
        assert!(!error.locations.is_empty(), "{error:?}");
    }

    /// The official client's two longest artifact documents, exactly as
    /// `wandb==0.31.0` sends them (`REGISTRY_VERSIONS_GQL`,
    /// `PROJECT_ARTIFACTS_GQL`); the `graphql_bounds` API test checks
    /// `cairn-client`'s copies of all the others.
    #[test]
    fn the_official_clients_longest_documents_are_far_inside_every_limit() {
        for text in [
            include_str!("testdata/registry_versions.graphql"),
            include_str!("testdata/project_artifacts.graphql"),
        ] {
            let c = measure(&parse(text).unwrap()).unwrap();
            assert!(text.len() < MAX_QUERY_BYTES / 10);
            assert!(c.fragments < MAX_FRAGMENTS / 10, "{c:?}");
            assert!(c.spreads < MAX_SPREADS / 10, "{c:?}");
            assert!(c.selections < MAX_SELECTIONS / 10, "{c:?}");
            assert!(c.directives < MAX_DIRECTIVES / 10, "{c:?}");
            assert!(c.arguments < MAX_ARGUMENTS / 10, "{c:?}");
            let tokens = scan(text).tokens;
            assert!(tokens < MAX_TOKENS / 10, "{tokens} tokens");
            assert!(c.fields < MAX_FIELDS / 10, "{c:?}");
            assert!(c.expanded < MAX_EXPANDED_SELECTIONS / 10, "{c:?}");
        }
    }
}
