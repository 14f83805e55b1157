//! Every document defines exactly the fragments it uses, directly or
//! through another fragment: a server rejects unused and missing ones.

use std::collections::{BTreeMap, BTreeSet};

/// `(name, text)` for each named constant of the module.
macro_rules! named {
    ($($name:ident),* $(,)?) => {
        &[$((stringify!($name), super::$name)),*]
    };
}

/// Every document, by its constant's name.
const DOCUMENTS: &[(&str, &str)] = named![
    GET_VIEWER,
    INTEGRATIONS_BY_ENTITY,
    CREATE_GENERIC_WEBHOOK_INTEGRATION,
    DELETE_INTEGRATION,
    CREATE_SLACK_WEBHOOK_INTEGRATION,
    SET_ALERT_INTEGRATION,
    GET_ENTITY_AUTOMATIONS,
    CREATE_AUTOMATION,
    UPDATE_AUTOMATION,
    DELETE_AUTOMATION,
    AUTOMATION_DELIVERIES,
    ENTITY_SECRETS,
    INSERT_SECRET,
    DELETE_SECRET,
    GET_DEFAULT_ENTITY,
    CREATE_USER_FROM_ADMIN,
    SEARCH_USERS,
    GENERATE_API_KEY,
    DELETE_API_KEY,
    CREATE_TEAM,
    GET_TEAM_ENTITY,
    CREATE_INVITE,
    DELETE_INVITE,
    CREATE_SERVICE_ACCOUNT,
    CREATE_PROJECT,
    GET_PROJECT,
    GET_PROJECTS,
    GENERATE_API_KEY_FOR_USER,
    IMPORT_API_KEY,
    CREATE_ORGANIZATION,
    SET_USER_PASSWORD,
    SET_USER_ACTIVE,
    RUNS,
    RUN,
    CREATE_RUN,
    IMPORT_RUN,
    UPDATE_RUN,
    UPDATE_RUN_SUMMARY,
    UPDATE_RUN_STATE,
    STOP_RUN,
    DELETE_RUN,
    RUN_FULL_HISTORY,
    RUN_SAMPLED_HISTORY,
    RUN_HISTORY_KEYS,
    HISTORY_PAGE,
    SAMPLED_HISTORY_PAGE,
    RUN_FILES,
    CREATE_RUN_FILES,
    DELETE_FILES,
    ARTIFACT_TYPE,
    ARTIFACT_MEMBERSHIP_BY_NAME,
    ARTIFACT_BY_ID,
    PROJECT_ARTIFACT_TYPES,
    PROJECT_ARTIFACT_TYPE,
    ARTIFACT_TYPE_ARTIFACT_COLLECTIONS,
    PROJECT_ARTIFACT_COLLECTION,
    PROJECT_ARTIFACTS,
    ARTIFACT_MEMBERSHIP_FILES,
    GET_ARTIFACT_MEMBERSHIP_FILE_URLS,
    FETCH_ARTIFACT_MANIFEST,
    ADD_ALIASES,
    DELETE_ALIASES,
    UPDATE_ARTIFACT,
    DELETE_ARTIFACT,
    LINK_ARTIFACT,
    ARTIFACT_USED_BY,
    ARTIFACT_CREATED_BY,
    FETCH_ORG_INFO_FROM_ENTITY,
    FETCH_REGISTRIES,
    REGISTRY_COLLECTIONS,
    REGISTRY_VERSIONS,
    CREATE_ARTIFACT,
    CREATE_ARTIFACT_MANIFEST,
    CREATE_ARTIFACT_FILES,
    COMMIT_ARTIFACT,
    GET_SWEEP,
    GET_SWEEPS,
    UPSERT_SWEEP,
    UPSERT_SWEEP_STATE,
    CREATE_AGENT,
    HEARTBEAT,
    CREATE_DEFAULT_RESOURCE_CONFIG,
    CREATE_RUN_QUEUE,
    UPSERT_RUN_QUEUE,
    GET_RUN_QUEUE,
    PROJECT_RUN_QUEUES,
    GET_RUN_QUEUE_ITEMS,
    GET_RUN_QUEUE_ITEM,
    DELETE_RUN_QUEUE,
    DELETE_FROM_RUN_QUEUE,
    PUSH_TO_RUN_QUEUE_BY_NAME,
    POP_FROM_RUN_QUEUE,
    ACK_RUN_QUEUE_ITEM,
    FAIL_RUN_QUEUE_ITEM,
    ARTIFACT_OF_TYPE,
    PROJECT_VIEWS,
    VIEW,
    UPSERT_VIEW,
    DELETE_VIEW,
];

/// The fragment names `text` spreads (`...Name`, not `... on Type`).
fn spreads(text: &str) -> BTreeSet<&str> {
    text.match_indices("...")
        .map(|(at, _)| {
            let rest = &text[at + 3..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|name| !name.is_empty() && *name != "on")
        .collect()
}

/// A server rejects a document with an unused, undefined or twice
/// defined fragment, so each must define exactly the fragments its
/// operation reaches.
#[test]
fn documents_define_what_they_use() {
    for (name, document) in DOCUMENTS {
        let mut parts = document.split("\n\nfragment ");
        let operation = parts.next().unwrap();
        assert!(
            !operation.contains("\nfragment "),
            "{name}: fragments come after the operation"
        );
        let mut defined = BTreeMap::new();
        for part in parts {
            let (fragment, _) = part.split_once(" on ").unwrap();
            assert!(
                defined.insert(fragment, part).is_none(),
                "{name}: {fragment} defined twice"
            );
        }
        let mut reached = BTreeSet::new();
        let mut pending: Vec<&str> = spreads(operation).into_iter().collect();
        while let Some(fragment) = pending.pop() {
            if reached.insert(fragment) {
                let text = defined
                    .get(fragment)
                    .unwrap_or_else(|| panic!("{name}: {fragment} used but not defined"));
                pending.extend(spreads(text));
            }
        }
        let defined: BTreeSet<&str> = defined.into_keys().collect();
        assert_eq!(defined, reached, "{name}: defined vs used fragments");
    }
}
