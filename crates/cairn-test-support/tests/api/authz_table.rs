//! The authorization table: every field of `type Query` and `type Mutation`
//! in the committed schema (`schema/cairn.graphql`) against every kind of
//! caller, from one table.
//!
//! Each [`Row`] names a field (its key is `field` or `field/variant`), a
//! GraphQL document that exercises it, a setup that makes the target and
//! the variables, and what each signed-in caller should get. Anonymous
//! callers and revoked keys always get HTTP 401, so those two columns are
//! filled in, not written per row. The rows encode the intended rules
//! (`cairn_core::authz` and the registry rules in
//! `cairn_core::service::artifacts`), not whatever the server does today.
//!
//! * `every_schema_field_has_a_row` fails when an operation has no row, or a
//!   row names a field the schema no longer has, naming them.
//! * `every_caller_gets_what_the_rules_say` runs every (row, caller) attempt
//!   against one server and reports every mismatch at once.
//!
//! Mutations are destructive, so each attempt acts on a target its setup
//! made just for it (by the owner, or by the admin for users and keys): the
//! order of the attempts does not matter, and a mutation that should have
//! been refused but was not damages nothing another attempt needs. After a
//! mutation, the admin looks for its effect: `Allow` means it happened,
//! `Deny` and `Unauth` mean it did not.
//!
//! A denied or hidden answer must also not show what the caller may not see
//! (`Target::secrets`), and where a target must look like one that does not
//! exist, the answer must be exactly the answer about one that does not
//! (`Target::twin`). Set `CAIRN_AUTHZ_TRACE=1` to print every attempt.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::digests::{b64_md5, hex_md5};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cairn_test_support::{ADMIN_KEY, TestServer};
use serde_json::{Value, json};

/// An automation on `ml/p` that does nothing when a run fails.
const TRIGGER_CREATE: &str = "mutation($n: String!, $s: ID!) { createFilterTrigger(input: {name: $n, scopeType: \"PROJECT\", scopeID: $s, triggeringEventType: \"RUN_STATE\", eventFilter: \"{\\\"run_state_filter\\\":{\\\"states\\\":[\\\"FAILED\\\"]}}\", triggeredActionType: \"NO_OP\", triggeredActionConfig: {noOpActionInput: {noOp: true}}}) { trigger { id } } }";

// ----- callers and outcomes -------------------------------------------------

/// Who is asking.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    /// No `Authorization` header.
    Anonymous,
    /// A key that was deleted (it belonged to the owner).
    Revoked,
    /// A person of the organization in no team and with no registry role.
    Outsider,
    /// A service account of team `ml`.
    ServiceAccount,
    /// A person in team `ml`, not its admin.
    Member,
    /// Admin of team `ml`; creator of `ml/p` and of both registries.
    Owner,
    /// The instance admin.
    Admin,
}

/// Every caller, in the order of the table's columns.
const CALLERS: [Who; 7] = [
    Who::Anonymous,
    Who::Revoked,
    Who::Outsider,
    Who::ServiceAccount,
    Who::Member,
    Who::Owner,
    Who::Admin,
];

impl Who {
    fn name(self) -> &'static str {
        match self {
            Who::Anonymous => "anonymous",
            Who::Revoked => "revoked",
            Who::Outsider => "outsider",
            Who::ServiceAccount => "service_account",
            Who::Member => "member",
            Who::Owner => "owner",
            Who::Admin => "admin",
        }
    }
}

/// What a caller gets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    /// No error, a non-empty answer, and (for a mutation) the change made.
    Allow,
    /// A GraphQL error (permission denied or not found), nothing changed.
    Deny,
    /// `null` or an empty list, revealing nothing.
    Hidden,
    /// HTTP 401.
    Unauth,
}

use Outcome::{Allow, Deny, Hidden};

/// Expectations of the signed-in callers, in the order
/// outsider, service_account, member, owner, admin.
type Expect = [Outcome; 5];

/// Members of `ml` (the service account included) and the admin.
const MEMBERS: Expect = [Deny, Allow, Allow, Allow, Allow];
/// Readers of `ml/p`; the outsider sees nothing.
const READERS: Expect = [Hidden, Allow, Allow, Allow, Allow];
/// The owner (team admin, creator of the project or registry) and the admin.
const OWNER_AND_ADMIN: Expect = [Deny, Deny, Deny, Allow, Allow];
/// What the owner and the admin see; for everyone else it does not exist.
const OWNER_AND_ADMIN_SEE: Expect = [Hidden, Hidden, Hidden, Allow, Allow];
/// The instance admin only.
const ADMIN_ONLY: Expect = [Deny, Deny, Deny, Deny, Allow];
/// Every signed-in caller.
const EVERYONE: Expect = [Allow; 5];
/// People (not service accounts).
const PEOPLE: Expect = [Allow, Deny, Allow, Allow, Allow];
/// Nobody, the admin included.
const NOBODY: Expect = [Deny; 5];

// ----- the table's shape -----------------------------------------------------

type Fut<T> = Pin<Box<dyn Future<Output = T> + Send>>;

fn fut<T>(f: impl Future<Output = T> + Send + 'static) -> Fut<T> {
    Box::pin(f)
}

/// Makes the target of one attempt (fresh for mutations) and its variables.
type Setup = fn(Arc<Fx>, Who) -> Fut<Target>;

/// How an answer without errors is read.
#[derive(Clone, Copy)]
enum Judge {
    /// A query: `Ok(true)` when the answer shows the target (`Allow`),
    /// `Ok(false)` when it is null or empty (`Hidden`), `Err` for an answer
    /// that is neither (a leak, or a target missing for a caller who should
    /// see it).
    Shows(fn(Who, &Value) -> Result<bool, String>),
    /// A mutation whose effect the admin checks afterwards, given the
    /// setup's `probe`: true when the change happened.
    Effect(fn(Arc<Fx>, Value) -> Fut<bool>),
    /// A mutation that leaves nothing to check afterwards (it hands out
    /// URLs, or writes a log line): a non-null answer is `Allow`.
    Answers,
}

/// One row of the table.
#[derive(Clone, Copy)]
struct Row {
    /// The schema field, optionally `/variant` when one field has several
    /// rows (different targets).
    key: &'static str,
    /// Outsider, service account, member, owner, admin.
    expect: Expect,
    doc: &'static str,
    setup: Setup,
    judge: Judge,
}

impl Row {
    fn field(&self) -> &'static str {
        self.key.split('/').next().unwrap_or(self.key)
    }

    fn expected(&self, who: Who) -> Outcome {
        match who {
            Who::Anonymous | Who::Revoked => Outcome::Unauth,
            Who::Outsider => self.expect[0],
            Who::ServiceAccount => self.expect[1],
            Who::Member => self.expect[2],
            Who::Owner => self.expect[3],
            Who::Admin => self.expect[4],
        }
    }
}

/// The target of one attempt.
#[derive(Default)]
struct Target {
    vars: Value,
    /// What the effect probe needs to find the target afterwards.
    probe: Value,
    /// Strings a caller who is denied or shown nothing must not find in
    /// the answer (a hidden registry's id, description and access).
    secrets: Vec<String>,
    /// A denial must be NOT_FOUND: the caller may not learn it exists.
    not_found: bool,
    /// The same request naming something that does not exist, and the
    /// (real, twin) tokens that tell the two requests apart: a caller who
    /// is denied or shown nothing must get the twin's answer.
    twin: Option<(Value, Vec<(String, String)>)>,
}

impl Target {
    fn new(vars: Value) -> Target {
        Target {
            vars,
            ..Target::default()
        }
    }

    fn probe(mut self, probe: Value) -> Target {
        self.probe = probe;
        self
    }

    fn secrets(mut self, secrets: &[&str]) -> Target {
        self.secrets = secrets.iter().map(|s| s.to_string()).collect();
        self
    }

    fn not_found(mut self) -> Target {
        self.not_found = true;
        self
    }

    fn twin<A: AsRef<str>, B: AsRef<str>>(mut self, vars: Value, tokens: &[(A, B)]) -> Target {
        let tokens = tokens
            .iter()
            .map(|(a, b)| (a.as_ref().to_string(), b.as_ref().to_string()))
            .collect();
        self.twin = Some((vars, tokens));
        self
    }
}

// ----- the fixture -------------------------------------------------------------

/// A user: `base64("User:<n>")` and username.
#[derive(Clone)]
struct Person {
    id: String,
    username: String,
    key: String,
}

/// An artifact made by a setup.
struct Art {
    id: String,
    number: i64,
    sequence_id: String,
    collection: String,
}

/// A registry made by a setup.
struct Registry {
    name: String,
    id: String,
    description: String,
}

/// The team project every run and artifact row works in.
const ML_P: (&str, &str) = ("ml", "p");
/// Registry names.
const OPEN: &str = "wandb-registry-open";
const SECRET: &str = "wandb-registry-secret";
/// The restricted registry's description, which only its admins may see.
const SECRET_DESCRIPTION: &str = "only-for-registry-admins-7f3a";
/// A small sweep configuration (YAML).
const SWEEP_CONFIG: &str = "method: random\nparameters:\n  x:\n    values: [1, 2, 3]\n";
/// An id no row of any table has.
const NO_SUCH_ROW: i64 = 987_654_321;

/// The people, team, project, run, artifact and registries every row
/// works against, on one server.
struct Fx {
    server: TestServer,
    http: reqwest::Client,
    /// The organization's entity, which owns the registries.
    org: String,
    admin: Person,
    owner: Person,
    member: Person,
    service_account: Person,
    outsider: Person,
    /// Not a caller: whose keys and memberships the callers try to change.
    bystander: Person,
    revoked_key: String,
    /// `base64("Entity:<n>")` of team `ml`.
    ml_id: String,
    /// `ml/p/ds:v0`, linked nowhere.
    artifact: Art,
    artifact_client_id: String,
    counter: AtomicUsize,
}

/// `base64("<kind>:<n>")`.
fn gid(kind: &str, n: i64) -> String {
    STANDARD.encode(format!("{kind}:{n}"))
}

/// The row number inside `base64("<kind>:<n>")`.
fn row_number(id: &str) -> i64 {
    let raw = String::from_utf8(STANDARD.decode(id).expect("base64 id")).expect("utf-8 id");
    raw.split_once(':')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or_else(|| panic!("{raw:?} is not an id"))
}

/// A random-looking key in W&B Server's `local-<hex>` shape, for
/// `importApiKey`: 64 hex digits derived from `seed`.
fn imported_key(seed: &str) -> String {
    let a = hex_md5(format!("{seed}/a").as_bytes());
    let b = hex_md5(format!("{seed}/b").as_bytes());
    format!("local-{a}{b}")
}

fn text(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
        .to_string()
}

/// `node.<key>` of every edge of a connection.
fn edge_values(connection: &Value, key: &str) -> Vec<String> {
    connection["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter_map(|e| e["node"][key].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

const EMPTY_MANIFEST: &str = r#"{"version":1,"storagePolicy":"wandb-storage-policy-v1","storagePolicyConfig":{"storageLayout":"V2"},"contents":{}}"#;

impl Fx {
    async fn new() -> Fx {
        // The anonymous and revoked columns, and the probes that check a
        // deleted key no longer works, make about 170 failed
        // authentications from 127.0.0.1: the failed-authentication limit
        // is off here (it has its own test in auth.rs).
        let server = TestServer::start_with(|c| {
            c.auth_failure_limit = 0;
            c.set_webhook_allow("hooks.example.com").unwrap();
        })
        .await;
        let http = reqwest::Client::new();
        // Built in steps: the helpers that make the fixture need an `Fx`.
        let mut fx = Fx {
            http,
            org: String::new(),
            admin: Person {
                id: String::new(),
                username: "admin".into(),
                key: ADMIN_KEY.into(),
            },
            owner: Person::placeholder(),
            member: Person::placeholder(),
            service_account: Person::placeholder(),
            outsider: Person::placeholder(),
            bystander: Person::placeholder(),
            revoked_key: String::new(),
            ml_id: String::new(),
            artifact: Art {
                id: String::new(),
                number: 0,
                sequence_id: String::new(),
                collection: String::new(),
            },
            artifact_client_id: "fixture-ds-client-id".into(),
            counter: AtomicUsize::new(0),
            server,
        };
        let data = fx
            .as_admin(
                "{ viewer { id } organization { orgEntity { name } } }",
                json!({}),
            )
            .await;
        fx.admin.id = text(&data["viewer"]["id"]);
        fx.org = text(&data["organization"]["orgEntity"]["name"]);
        fx.owner = fx.person("owner").await;
        fx.member = fx.person("member").await;
        fx.outsider = fx.person("outsider").await;
        fx.bystander = fx.person("bystander").await;

        // Team `ml`: the owner creates it (and so administers it), adds the
        // member, and creates the service account, whose key the owner's
        // next look at the members shows once.
        let team = fx
            .as_owner(
                "mutation { createTeam(input: {teamName: \"ml\"}) { entity { id } } }",
                json!({}),
            )
            .await;
        fx.ml_id = text(&team["createTeam"]["entity"]["id"]);
        fx.as_owner(
            "mutation($u: String) { createInvite(input: {entityName: \"ml\", username: $u}) { success } }",
            json!({ "u": fx.member.username }),
        )
        .await;
        fx.as_owner(
            "mutation { createServiceAccount(input: {entityName: \"ml\", description: \"ci\"}) { user { id username } } }",
            json!({}),
        )
        .await;
        let members = fx
            .as_owner(
                "{ entity(name: \"ml\") { members { id username accountType apiKey } } }",
                json!({}),
            )
            .await;
        let robot = members["entity"]["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["accountType"] == "SERVICE")
            .expect("the service account is a member of ml")
            .clone();
        fx.service_account = Person {
            id: text(&robot["id"]),
            username: text(&robot["username"]),
            key: text(&robot["apiKey"]),
        };

        // A second key of the owner, deleted: a revoked key of someone who
        // could otherwise do almost everything.
        let (key_id, secret) = fx.new_key(&fx.owner.id).await;
        fx.as_admin(
            "mutation($id: String!) { deleteApiKey(input: {id: $id}) { success } }",
            json!({ "id": key_id }),
        )
        .await;
        fx.revoked_key = secret;

        // ml/p (private) with run r0 and ds:v0, which is linked nowhere.
        fx.as_owner(
            "mutation { upsertModel(input: {entityName: \"ml\", name: \"p\"}) { project { access } } }",
            json!({}),
        )
        .await;
        fx.as_owner(
            "mutation { upsertBucket(input: {entityName: \"ml\", modelName: \"p\", name: \"r0\"}) { bucket { id } } }",
            json!({}),
        )
        .await;
        let client_id = fx.artifact_client_id.clone();
        fx.artifact = fx
            .log(ML_P, "ds", "dataset", Some(&client_id), &[], true)
            .await;

        // The registries, both the owner's, and a version of ml/p linked
        // into both (a different artifact from ds:v0, which stays private).
        fx.registry(OPEN, "PRIVATE", "the open registry").await;
        fx.registry(SECRET, "RESTRICTED", SECRET_DESCRIPTION).await;
        let shared = fx.log(ML_P, "shared", "model", None, &[], true).await;
        fx.link(&shared.id, OPEN, "shared").await;
        fx.link(&shared.id, SECRET, "shared").await;
        fx
    }

    // ----- requests --------------------------------------------------------------

    fn key(&self, who: Who) -> Option<&str> {
        match who {
            Who::Anonymous => None,
            Who::Revoked => Some(&self.revoked_key),
            Who::Outsider => Some(&self.outsider.key),
            Who::ServiceAccount => Some(&self.service_account.key),
            Who::Member => Some(&self.member.key),
            Who::Owner => Some(&self.owner.key),
            Who::Admin => Some(&self.admin.key),
        }
    }

    /// The caller's user; the owner's for anonymous and revoked callers
    /// (their attempts must change nothing, whoever the target is).
    fn user(&self, who: Who) -> &Person {
        match who {
            Who::Outsider => &self.outsider,
            Who::ServiceAccount => &self.service_account,
            Who::Member => &self.member,
            Who::Admin => &self.admin,
            Who::Anonymous | Who::Revoked | Who::Owner => &self.owner,
        }
    }

    /// POST a GraphQL request; the HTTP status and the body.
    async fn call(&self, key: Option<&str>, doc: &str, vars: &Value) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.server.base_url))
            .json(&json!({ "query": doc, "variables": vars }));
        if let Some(key) = key {
            request = request.basic_auth("api", Some(key));
        }
        let response = request.send().await.expect("graphql request");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn data(&self, key: &str, doc: &str, vars: Value) -> Value {
        let (status, body) = self.call(Some(key), doc, &vars).await;
        assert!(
            status == 200 && body["errors"].is_null(),
            "setup request failed: {doc} {vars}: {status} {body}"
        );
        body["data"].clone()
    }

    async fn as_admin(&self, doc: &str, vars: Value) -> Value {
        self.data(ADMIN_KEY, doc, vars).await
    }

    async fn as_owner(&self, doc: &str, vars: Value) -> Value {
        self.data(&self.owner.key, doc, vars).await
    }

    async fn put(&self, url: &str, body: Vec<u8>) {
        let status = self
            .http
            .put(url)
            .body(body)
            .send()
            .await
            .expect("upload")
            .status();
        assert!(status.is_success(), "upload to {url}: {status}");
    }

    /// Whether a key still authenticates.
    async fn key_works(&self, key: &str) -> bool {
        self.call(Some(key), "{ viewer { id } }", &json!({}))
            .await
            .0
            == 200
    }

    // ----- making things -----------------------------------------------------------

    /// A unique name.
    fn fresh(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.counter.fetch_add(1, Ordering::Relaxed))
    }

    /// A user `<name>@example.com` with a key.
    async fn person(&self, name: &str) -> Person {
        let (user, _, key) = self.server.new_user(&format!("{name}@example.com")).await;
        assert_eq!(user.username(), name);
        Person {
            id: user.id().to_string(),
            username: name.to_string(),
            key,
        }
    }

    /// A new user without a key (made by the admin).
    async fn new_user(&self) -> Person {
        let name = self.fresh("someone");
        let data = self
            .as_admin(
                "mutation($e: String!) { createUser(input: {email: $e}) { user { id username } } }",
                json!({ "e": format!("{name}@example.com") }),
            )
            .await;
        Person {
            id: text(&data["createUser"]["user"]["id"]),
            username: text(&data["createUser"]["user"]["username"]),
            key: String::new(),
        }
    }

    /// A new key of `user` made by the admin: (id, secret).
    async fn new_key(&self, user: &str) -> (String, String) {
        let data = self
            .as_admin(
                "mutation($u: ID) { generateApiKey(input: {userId: $u, description: \"extra\"}) { apiKey { id name } } }",
                json!({ "u": user }),
            )
            .await;
        let key = &data["generateApiKey"]["apiKey"];
        (text(&key["id"]), text(&key["name"]))
    }

    /// A new run of ml/p made by the owner: (name, id).
    async fn new_run(&self) -> (String, String) {
        let name = self.fresh("run");
        let data = self
            .as_owner(
                "mutation($n: String) { upsertBucket(input: {entityName: \"ml\", modelName: \"p\", name: $n}) { bucket { id } } }",
                json!({ "n": name }),
            )
            .await;
        (name, text(&data["upsertBucket"]["bucket"]["id"]))
    }

    /// A new project of `ml` made by the owner: (name, id).
    async fn new_project(&self) -> (String, String) {
        let name = self.fresh("proj");
        let data = self
            .as_owner(
                "mutation($n: String) { upsertModel(input: {entityName: \"ml\", name: $n, description: \"fresh\"}) { project { id } } }",
                json!({ "n": name }),
            )
            .await;
        (name, text(&data["upsertModel"]["project"]["id"]))
    }

    async fn registry(&self, name: &str, access: &str, description: &str) -> Registry {
        let data = self
            .as_owner(
                "mutation($e: String, $n: String, $d: String, $a: String) { upsertModel(input: {entityName: $e, name: $n, description: $d, access: $a, allowAllArtifactTypesInRegistry: true}) { inserted project { id } } }",
                json!({ "e": self.org, "n": name, "d": description, "a": access }),
            )
            .await;
        assert_eq!(data["upsertModel"]["inserted"], true, "{data}");
        Registry {
            name: name.to_string(),
            id: text(&data["upsertModel"]["project"]["id"]),
            description: description.to_string(),
        }
    }

    /// A new registry made by the owner, restricted or not.
    async fn new_registry(&self, restricted: bool) -> Registry {
        let name = self.fresh("wandb-registry-r");
        let description = self.fresh("registry-description");
        let access = if restricted { "RESTRICTED" } else { "PRIVATE" };
        self.registry(&name, access, &description).await
    }

    /// Log a version of `<entity>/<project>/<collection>` as the owner,
    /// committed or left pending.
    async fn log(
        &self,
        (entity, project): (&str, &str),
        collection: &str,
        type_name: &str,
        client_id: Option<&str>,
        aliases: &[&str],
        commit: bool,
    ) -> Art {
        let aliases: Vec<Value> = aliases
            .iter()
            .map(|a| json!({ "alias": a, "artifactCollectionName": collection }))
            .collect();
        let data = self
            .as_owner(
                "mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { artifact { id artifactSequence { id } } } }",
                json!({ "input": {
                    "artifactTypeName": type_name, "artifactCollectionName": collection,
                    "entityName": entity, "projectName": project,
                    "digest": hex_md5(self.fresh("digest").as_bytes()),
                    "digestAlgorithm": "MANIFEST_MD5", "aliases": aliases,
                    "clientID": client_id,
                }}),
            )
            .await;
        let artifact = &data["createArtifact"]["artifact"];
        let id = text(&artifact["id"]);
        if commit {
            self.upload_manifest(&id).await;
            let data = self
                .as_owner(
                    "mutation($id: ID!) { commitArtifact(input: {artifactID: $id}) { artifact { state } } }",
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(data["commitArtifact"]["artifact"]["state"], "COMMITTED");
        }
        Art {
            number: row_number(&id),
            id,
            sequence_id: text(&artifact["artifactSequence"]["id"]),
            collection: collection.to_string(),
        }
    }

    /// Upload an empty manifest for a pending artifact, as the owner.
    async fn upload_manifest(&self, id: &str) {
        let data = self
            .as_owner(
                "mutation($id: ID!, $digest: String!) { createArtifactManifest(input: {artifactID: $id, name: \"wandb_manifest.json\", digest: $digest, entityName: \"ml\", projectName: \"p\", runName: \"\", type: FULL}) { artifactManifest { file { uploadUrl } } } }",
                json!({ "id": id, "digest": b64_md5(EMPTY_MANIFEST.as_bytes()) }),
            )
            .await;
        let url = text(&data["createArtifactManifest"]["artifactManifest"]["file"]["uploadUrl"]);
        self.put(&url, EMPTY_MANIFEST.as_bytes().to_vec()).await;
    }

    /// A new version of a new collection of ml/p.
    async fn new_artifact(&self, commit: bool, aliases: &[&str]) -> Art {
        let collection = self.fresh("art");
        self.log(ML_P, &collection, "dataset", None, aliases, commit)
            .await
    }

    /// Link an artifact into a registry's portfolio, as the owner; returns
    /// the portfolio's id.
    async fn link(&self, artifact: &str, registry: &str, portfolio: &str) -> String {
        self.as_owner(
            "mutation($input: LinkArtifactInput!) { linkArtifact(input: $input) { versionIndex } }",
            json!({ "input": {
                "artifactID": artifact, "artifactPortfolioName": portfolio,
                "entityName": self.org, "projectName": registry,
            }}),
        )
        .await;
        text(&self.portfolio(registry, portfolio).await["id"])
    }

    /// A new portfolio in the restricted registry holding a new version of
    /// ml/p: (portfolio name, portfolio id, artifact).
    async fn new_secret_portfolio(&self) -> (String, String, Art) {
        let art = self.new_artifact(true, &[]).await;
        let name = self.fresh("portfolio");
        let id = self.link(&art.id, SECRET, &name).await;
        (name, id, art)
    }

    // ----- looking (as the admin) -------------------------------------------------

    async fn run(&self, name: &Value) -> Value {
        let data = self
            .as_admin(
                "query($n: String!) { project(entityName: \"ml\", name: \"p\") { run(name: $n) { id state stopped description files { edges { node { id name } } } inputArtifacts { totalCount } } } }",
                json!({ "n": name }),
            )
            .await;
        data["project"]["run"].clone()
    }

    /// A new sweep of ml/p made by the owner: (name, id).
    async fn new_sweep(&self) -> (String, String) {
        let data = self
            .as_owner(
                "mutation($c: String) { upsertSweep(input: {entityName: \"ml\", projectName: \"p\", config: $c}) { sweep { id name } } }",
                json!({ "c": SWEEP_CONFIG }),
            )
            .await;
        let sweep = &data["upsertSweep"]["sweep"];
        (text(&sweep["name"]), text(&sweep["id"]))
    }

    /// A sweep of ml/p as the admin sees it.
    async fn sweep(&self, name: &Value) -> Value {
        let data = self
            .as_admin(
                "query($n: String!) { project(entityName: \"ml\", name: \"p\") { sweep(sweepName: $n) { state agents { edges { node { id totalRuns } } } } } }",
                json!({ "n": name }),
            )
            .await;
        data["project"]["sweep"].clone()
    }

    /// A new run queue of team `ml` made by the owner: (name, id).
    async fn new_queue(&self) -> (String, String) {
        let name = self.fresh("queue");
        let data = self
            .as_owner(
                "mutation($q: String!) { createRunQueue(input: {entityName: \"ml\", projectName: \"model-registry\", queueName: $q, access: PROJECT}) { queueID } }",
                json!({ "q": name }),
            )
            .await;
        (name, text(&data["createRunQueue"]["queueID"]))
    }

    /// A new queue with one item pushed by the owner, popped by the owner
    /// when `popped`: (queue name, queue id, item id).
    async fn new_item(&self, popped: bool) -> (String, String, String) {
        let (name, id) = self.new_queue().await;
        let data = self
            .as_owner(
                "mutation($q: String!) { pushToRunQueueByName(input: {entityName: \"ml\", projectName: \"model-registry\", queueName: $q, runSpec: \"{}\"}) { runQueueItemId } }",
                json!({ "q": name }),
            )
            .await;
        let item = text(&data["pushToRunQueueByName"]["runQueueItemId"]);
        if popped {
            self.as_owner(
                "mutation($q: String!) { popFromRunQueue(input: {entityName: \"ml\", projectName: \"model-registry\", queueName: $q}) { runQueueItemId } }",
                json!({ "q": name }),
            )
            .await;
        }
        (name, id, item)
    }

    /// A queue of team `ml` as the admin sees it (null when gone).
    async fn queue(&self, name: &Value) -> Value {
        let data = self
            .as_admin(
                "query($q: String!) { project(entityName: \"ml\", name: \"model-registry\") { runQueue(name: $q) { id runQueueItems { edges { node { id state warnings } } } } } }",
                json!({ "q": name }),
            )
            .await;
        data["project"]["runQueue"].clone()
    }

    /// A new report in `ml/p` saved by the owner: its id.
    async fn new_view(&self) -> String {
        let name = self.fresh("report");
        let data = self
            .as_owner(
                "mutation($n: String) { upsertView(input: {entityName: \"ml\", projectName: \"p\", type: \"runs\", name: $n, spec: \"{}\"}) { view { id } } }",
                json!({ "n": name }),
            )
            .await;
        text(&data["upsertView"]["view"]["id"])
    }

    /// A view as the admin sees it (null when gone).
    async fn view(&self, id: &Value) -> Value {
        let data = self
            .as_admin(
                "query($id: ID!) { view(id: $id) { id name displayName } }",
                json!({ "id": id }),
            )
            .await;
        data["view"].clone()
    }

    /// A new webhook integration of team `ml` made by the owner: its id.
    async fn new_integration(&self) -> String {
        let data = self
            .as_owner(
                "mutation($n: String!) { createGenericWebhookIntegration(input: {entityName: \"ml\", name: $n, urlEndpoint: \"https://hooks.example.com/in\"}) { integration { id } } }",
                json!({ "n": self.fresh("hook") }),
            )
            .await;
        text(&data["createGenericWebhookIntegration"]["integration"]["id"])
    }

    /// The ids and names of team `ml`'s integrations, as the admin sees them.
    async fn integrations(&self) -> Vec<String> {
        let data = self
            .as_admin(
                "{ entity(name: \"ml\") { integrations(first: 100) { edges { node { ... on GenericWebhookIntegration { id name } } } } } }",
                json!({}),
            )
            .await;
        let connection = &data["entity"]["integrations"];
        let mut found = edge_values(connection, "id");
        found.extend(edge_values(connection, "name"));
        found
    }

    /// The id of project `ml/p`.
    async fn project_p_id(&self) -> String {
        let data = self
            .as_admin(
                "{ project(entityName: \"ml\", name: \"p\") { id } }",
                json!({}),
            )
            .await;
        text(&data["project"]["id"])
    }

    /// A new no-op automation on `ml/p` made by the owner: its id.
    async fn new_trigger(&self) -> String {
        let project = self.project_p_id().await;
        let data = self
            .as_owner(
                TRIGGER_CREATE,
                json!({ "n": self.fresh("auto"), "s": project }),
            )
            .await;
        text(&data["createFilterTrigger"]["trigger"]["id"])
    }

    /// The ids, names and enabled flags of team `ml`'s automations, as the
    /// admin sees them.
    async fn triggers(&self) -> Vec<String> {
        let data = self
            .as_admin(
                "{ entity(name: \"ml\") { triggers(first: 100) { edges { node { id name enabled } } } } }",
                json!({}),
            )
            .await;
        let connection = &data["entity"]["triggers"];
        let mut found = edge_values(connection, "id");
        found.extend(edge_values(connection, "name"));
        for edge in connection["edges"].as_array().into_iter().flatten() {
            if edge["node"]["enabled"] == json!(false) {
                found.push(format!("disabled:{}", text(&edge["node"]["id"])));
            }
        }
        found
    }

    /// A fresh secret name (letters, digits and `_` only).
    fn fresh_secret(&self) -> String {
        self.fresh("SECRET").replace('-', "_")
    }

    /// A new secret of team `ml` set by the owner: its name.
    async fn new_secret(&self) -> String {
        let name = self.fresh_secret();
        self.as_owner(
            "mutation($n: String!) { insertSecret(input: {entityName: \"ml\", secretName: $n, secretValue: \"v\"}) { success } }",
            json!({ "n": name }),
        )
        .await;
        name
    }

    /// The names of team `ml`'s secrets, as the admin sees them.
    async fn secret_names(&self) -> Vec<String> {
        let data = self
            .as_admin("{ entity(name: \"ml\") { secrets { name } } }", json!({}))
            .await;
        data["entity"]["secrets"]
            .as_array()
            .map(|all| all.iter().map(|s| text(&s["name"])).collect())
            .unwrap_or_default()
    }

    /// A new launch agent of team `ml` started by the owner: its id.
    async fn new_launch_agent(&self) -> String {
        let (_, queue) = self.new_queue().await;
        let data = self
            .as_owner(
                "mutation($q: ID!) { createLaunchAgent(input: {entityName: \"ml\", projectName: \"model-registry\", runQueues: [$q], hostname: \"h\"}) { launchAgentId } }",
                json!({ "q": queue }),
            )
            .await;
        text(&data["createLaunchAgent"]["launchAgentId"])
    }

    async fn artifact(&self, id: &Value) -> Value {
        let data = self
            .as_admin(
                "query($id: ID!) { artifact(id: $id) { id state description aliases { alias } files { edges { node { name } } } } }",
                json!({ "id": id }),
            )
            .await;
        data["artifact"].clone()
    }

    async fn collection(&self, id: &Value) -> Value {
        let data = self
            .as_admin(
                "query($id: ID!) { artifactCollection(id: $id) { id name description defaultArtifactType { name } tags { edges { node { name } } } } }",
                json!({ "id": id }),
            )
            .await;
        data["artifactCollection"].clone()
    }

    async fn project(&self, entity: &str, name: &str) -> Value {
        let data = self
            .as_admin(
                "query($e: String, $n: String) { project(entityName: $e, name: $n) { id name description access members { username role { name } } teamMembers { team { name } role { name } } } }",
                json!({ "e": entity, "n": name }),
            )
            .await;
        data["project"].clone()
    }

    async fn portfolio(&self, registry: &str, name: &str) -> Value {
        let data = self
            .as_admin(
                "query($e: String, $r: String, $n: String!) { project(entityName: $e, name: $r) { artifactCollection(name: $n) { id description artifacts { totalCount } } } }",
                json!({ "e": self.org, "r": registry, "n": name }),
            )
            .await;
        data["project"]["artifactCollection"].clone()
    }

    async fn registry_run(&self, registry: &str, run: &str) -> Value {
        let data = self
            .as_admin(
                "query($e: String, $r: String, $n: String!) { project(entityName: $e, name: $r) { run(name: $n) { id } } }",
                json!({ "e": self.org, "r": registry, "n": run }),
            )
            .await;
        data["project"]["run"].clone()
    }

    async fn ml_members(&self) -> Vec<Value> {
        let data = self
            .as_admin(
                "{ entity(name: \"ml\") { members { id username name email accountType } } }",
                json!({}),
            )
            .await;
        data["entity"]["members"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    async fn has_ml_member(&self, key: &str, value: &Value) -> bool {
        self.ml_members().await.iter().any(|m| &m[key] == value)
    }

    /// A registry member's role, by username.
    async fn registry_role(&self, registry: &str, username: &str) -> Option<String> {
        let project = self.project(&self.org, registry).await;
        project["members"]
            .as_array()?
            .iter()
            .find(|m| m["username"] == username)
            .map(|m| text(&m["role"]["name"]))
    }

    /// Add a user to a registry as the owner, with `role` if given.
    async fn add_registry_member(&self, registry: &str, user: &str, role: Option<&str>) {
        self.as_owner(
            "mutation($p: ID!, $u: [ID!]) { createProjectMembers(input: {projectId: $p, userIds: $u}) { success } }",
            json!({ "p": registry, "u": [user] }),
        )
        .await;
        if let Some(role) = role {
            self.as_owner(
                "mutation($p: ID!, $u: ID!, $r: String!) { updateProjectMember(input: {projectId: $p, userId: $u, userProjectRole: $r}) { success } }",
                json!({ "p": registry, "u": user, "r": role }),
            )
            .await;
        }
    }
}

impl Person {
    fn placeholder() -> Person {
        Person {
            id: String::new(),
            username: String::new(),
            key: String::new(),
        }
    }
}

// ----- the table -----------------------------------------------------------------

/// The names of a connection's nodes.
fn names(connection: &Value) -> Vec<String> {
    edge_values(connection, "name")
}

fn rows() -> Vec<Row> {
    use Judge::{Answers, Effect, Shows};
    vec![
        // ----- queries -----
        Row {
            key: "viewer",
            expect: EVERYONE,
            doc: "{ viewer { id username } }",
            setup: |_, _| fut(async { Target::new(json!({})) }),
            judge: Shows(|_, d| Ok(!d["viewer"]["username"].is_null())),
        },
        Row {
            key: "serverInfo",
            expect: EVERYONE,
            doc: "{ serverInfo { features { name isEnabled } } }",
            setup: |_, _| fut(async { Target::new(json!({})) }),
            judge: Shows(|_, d| {
                Ok(d["serverInfo"]["features"]
                    .as_array()
                    .is_some_and(|f| !f.is_empty()))
            }),
        },
        Row {
            key: "users",
            expect: ADMIN_ONLY,
            doc: "{ users(query: \"owner\") { edges { node { username email } } } }",
            setup: |_, _| fut(async { Target::new(json!({})) }),
            judge: Shows(|_, d| Ok(!edge_values(&d["users"], "username").is_empty())),
        },
        // A user other than the caller: `Query.user` documents "the caller
        // themselves, or anyone for an admin"; everyone else gets null.
        // (Stricter than wandb.ai, whose profile pages show anyone's public
        // fields; the official client looks users up with `users`, which
        // is admin-only there too.)
        Row {
            key: "user",
            expect: [Hidden, Hidden, Hidden, Allow, Allow],
            doc: "{ user(userName: \"owner\") { id username email } }",
            setup: |_, _| fut(async { Target::new(json!({})) }),
            judge: Shows(|_, d| Ok(!d["user"].is_null())),
        },
        Row {
            key: "entity",
            expect: READERS,
            doc: "{ entity(name: \"ml\") { id name members { username } } }",
            setup: |_, _| fut(async { Target::new(json!({})) }),
            judge: Shows(|_, d| Ok(!d["entity"].is_null())),
        },
        Row {
            key: "models",
            expect: READERS,
            doc: "{ models(entityName: \"ml\") { edges { node { name } } } }",
            setup: |_, _| fut(async { Target::new(json!({})) }),
            judge: Shows(|_, d| {
                let listed = names(&d["models"]);
                match listed.as_slice() {
                    [] => Ok(false),
                    _ if listed.iter().any(|n| n == "p") => Ok(true),
                    _ => Err(format!("lists {listed:?} but not the private project p")),
                }
            }),
        },
        Row {
            key: "project",
            expect: READERS,
            doc: "{ project(entityName: \"ml\", name: \"p\") { id name runs { edges { node { name } } } } }",
            setup: |_, _| fut(async { Target::new(json!({})) }),
            judge: Shows(|_, d| Ok(!d["project"].is_null())),
        },
        Row {
            key: "project/registry-secret",
            expect: OWNER_AND_ADMIN_SEE,
            doc: "query($e: String, $n: String) { project(entityName: $e, name: $n) { id name description access } }",
            setup: |fx, _| {
                fut(async move {
                    let nothing = "wandb-registry-nothing";
                    Target::new(json!({ "e": fx.org, "n": SECRET }))
                        .secrets(&[SECRET_DESCRIPTION, "RESTRICTED"])
                        .twin(json!({ "e": fx.org, "n": nothing }), &[(SECRET, nothing)])
                })
            },
            judge: Shows(|_, d| Ok(!d["project"].is_null())),
        },
        Row {
            key: "project/registry-open",
            expect: EVERYONE,
            doc: "query($e: String) { project(entityName: $e, name: \"wandb-registry-open\") { id name } }",
            setup: |fx, _| fut(async move { Target::new(json!({ "e": fx.org })) }),
            judge: Shows(|_, d| Ok(!d["project"].is_null())),
        },
        Row {
            key: "model",
            expect: READERS,
            doc: "{ model(entityName: \"ml\", name: \"p\") { id name } }",
            setup: |_, _| fut(async { Target::new(json!({})) }),
            judge: Shows(|_, d| Ok(!d["model"].is_null())),
        },
        Row {
            key: "artifact",
            expect: READERS,
            doc: "query($id: ID!) { artifact(id: $id) { id state description } }",
            setup: |fx, _| fut(async move { Target::new(json!({ "id": fx.artifact.id })) }),
            judge: Shows(|_, d| Ok(!d["artifact"].is_null())),
        },
        Row {
            key: "artifactCollection",
            expect: READERS,
            doc: "query($id: ID!) { artifactCollection(id: $id) { id name } }",
            setup: |fx, _| {
                fut(async move { Target::new(json!({ "id": fx.artifact.sequence_id })) })
            },
            judge: Shows(|_, d| Ok(!d["artifactCollection"].is_null())),
        },
        Row {
            key: "clientIDMapping",
            expect: READERS,
            doc: "query($c: ID!) { clientIDMapping(clientID: $c) { serverID } }",
            setup: |fx, _| fut(async move { Target::new(json!({ "c": fx.artifact_client_id })) }),
            judge: Shows(|_, d| Ok(!d["clientIDMapping"].is_null())),
        },
        // Every signed-in caller sees the organization; only the restricted
        // registry's admins find it in the list.
        Row {
            key: "organization",
            expect: EVERYONE,
            doc: "{ organization { name orgEntity { name projects { edges { node { name description } } } } } }",
            setup: |_, _| fut(async { Target::new(json!({})) }),
            judge: Shows(|who, d| {
                let listed = names(&d["organization"]["orgEntity"]["projects"]);
                let sees_secret = listed.iter().any(|n| n == SECRET);
                let text = d.to_string();
                match who {
                    Who::Owner | Who::Admin if !sees_secret => {
                        Err(format!("its registries {listed:?} leave out {SECRET}"))
                    }
                    Who::Owner | Who::Admin => Ok(true),
                    _ if sees_secret || text.contains(SECRET_DESCRIPTION) => {
                        Err(format!("its registries {listed:?} include {SECRET}"))
                    }
                    _ if !listed.iter().any(|n| n == OPEN) => {
                        Err(format!("its registries {listed:?} leave out {OPEN}"))
                    }
                    _ => Ok(!d["organization"].is_null()),
                }
            }),
        },
        // ----- users, keys, teams -----
        Row {
            key: "createUser",
            expect: ADMIN_ONLY,
            doc: "mutation($e: String!) { createUser(input: {email: $e}) { user { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let email = format!("{}@example.com", fx.fresh("created"));
                    Target::new(json!({ "e": email })).probe(json!(email))
                })
            },
            judge: Effect(|fx, email| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "query($q: String) { users(query: $q) { edges { node { email } } } }",
                            json!({ "q": email }),
                        )
                        .await;
                    edge_values(&data["users"], "email").contains(&text(&email))
                })
            }),
        },
        Row {
            key: "generateApiKey",
            expect: EVERYONE,
            doc: "mutation($d: String) { generateApiKey(input: {description: $d}) { apiKey { id name } } }",
            setup: |fx, who| {
                fut(async move {
                    let description = fx.fresh("own key");
                    Target::new(json!({ "d": description }))
                        .probe(json!({ "user": fx.user(who).id, "d": description }))
                })
            },
            judge: Effect(|fx, p| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "query($id: ID) { user(id: $id) { apiKeys { edges { node { description } } } } }",
                            json!({ "id": p["user"] }),
                        )
                        .await;
                    edge_values(&data["user"]["apiKeys"], "description").contains(&text(&p["d"]))
                })
            }),
        },
        Row {
            key: "generateApiKey/for-someone-else",
            expect: ADMIN_ONLY,
            doc: "mutation($u: ID) { generateApiKey(input: {userId: $u}) { apiKey { id name } } }",
            setup: |fx, _| {
                fut(async move {
                    let user = fx.new_user().await;
                    Target::new(json!({ "u": user.id })).probe(json!(user.id))
                })
            },
            judge: Effect(|fx, user| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "query($id: ID) { user(id: $id) { apiKeys { edges { node { name } } } } }",
                            json!({ "id": user }),
                        )
                        .await;
                    !edge_values(&data["user"]["apiKeys"], "name").is_empty()
                })
            }),
        },
        Row {
            key: "createOrganization",
            expect: ADMIN_ONLY,
            doc: "mutation($n: String!) { createOrganization(input: {name: $n}) { organization { id name } } }",
            setup: |fx, _| {
                fut(async move {
                    let name = fx.fresh("org");
                    Target::new(json!({ "n": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "query($n: String) { organization(name: $n) { name } }",
                            json!({ "n": name }),
                        )
                        .await;
                    data["organization"]["name"] == name
                })
            }),
        },
        Row {
            key: "importApiKey",
            expect: ADMIN_ONLY,
            doc: "mutation($u: ID!, $k: String!) { importApiKey(input: {userId: $u, apiKey: $k}) { apiKey { id name } } }",
            setup: |fx, _| {
                fut(async move {
                    let user = fx.new_user().await;
                    let key = imported_key(&fx.fresh("import"));
                    Target::new(json!({ "u": user.id, "k": key }))
                        .probe(json!(key))
                        .secrets(&[&key])
                })
            },
            judge: Effect(|fx, key| fut(async move { fx.key_works(&text(&key)).await })),
        },
        Row {
            key: "setUserPassword",
            expect: ADMIN_ONLY,
            doc: "mutation($u: String!, $p: String) { setUserPassword(input: {username: $u, password: $p}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let user = fx.new_user().await;
                    let password = fx.fresh("a long enough password");
                    Target::new(json!({ "u": user.username, "p": password }))
                        .probe(json!({ "u": user.username, "p": password }))
                })
            },
            judge: Effect(|fx, p| {
                fut(async move {
                    fx.server
                        .cairn()
                        .sign_in_with_password(&text(&p["u"]), &text(&p["p"]))
                        .await
                        .is_ok()
                })
            }),
        },
        Row {
            key: "setUserActive/deactivate",
            expect: ADMIN_ONLY,
            doc: "mutation($u: String!) { setUserActive(input: {username: $u, active: false}) { user { id deletedAt } } }",
            setup: |fx, _| {
                fut(async move {
                    let user = fx.new_user().await;
                    let (_, secret) = fx.new_key(&user.id).await;
                    Target::new(json!({ "u": user.username })).probe(json!(secret))
                })
            },
            judge: Effect(|fx, secret| fut(async move { !fx.key_works(&text(&secret)).await })),
        },
        Row {
            key: "setUserActive/reactivate",
            expect: ADMIN_ONLY,
            doc: "mutation($u: String!) { setUserActive(input: {username: $u, active: true}) { user { id deletedAt } } }",
            setup: |fx, _| {
                fut(async move {
                    let user = fx.new_user().await;
                    let (_, secret) = fx.new_key(&user.id).await;
                    fx.as_admin(
                        "mutation($u: String!) { setUserActive(input: {username: $u, active: false}) { user { id } } }",
                        json!({ "u": user.username }),
                    )
                    .await;
                    Target::new(json!({ "u": user.username })).probe(json!(secret))
                })
            },
            judge: Effect(|fx, secret| fut(async move { fx.key_works(&text(&secret)).await })),
        },
        Row {
            key: "updateUser/own",
            expect: EVERYONE,
            doc: "mutation($n: String) { updateUser(input: {name: $n}) { user { id } } }",
            setup: |fx, who| {
                fut(async move {
                    let name = fx.fresh("Display Name");
                    Target::new(json!({ "n": name }))
                        .probe(json!({ "user": fx.user(who).id, "name": name }))
                })
            },
            judge: Effect(|fx, p| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "query($id: ID) { user(id: $id) { name } }",
                            json!({ "id": p["user"] }),
                        )
                        .await;
                    data["user"]["name"] == p["name"]
                })
            }),
        },
        Row {
            key: "updateUser/someone-else",
            expect: ADMIN_ONLY,
            doc: "mutation($u: ID, $n: String) { updateUser(input: {id: $u, name: $n}) { user { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let user = fx.new_user().await;
                    let name = fx.fresh("Display Name");
                    Target::new(json!({ "u": user.id, "n": name }))
                        .probe(json!({ "user": user.id, "name": name }))
                })
            },
            judge: Effect(|fx, p| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "query($id: ID) { user(id: $id) { name } }",
                            json!({ "id": p["user"] }),
                        )
                        .await;
                    data["user"]["name"] == p["name"]
                })
            }),
        },
        Row {
            key: "deleteApiKey/own",
            expect: EVERYONE,
            doc: "mutation($id: String!) { deleteApiKey(input: {id: $id}) { success } }",
            setup: |fx, who| {
                fut(async move {
                    let (id, secret) = fx.new_key(&fx.user(who).id).await;
                    Target::new(json!({ "id": id })).probe(json!(secret))
                })
            },
            judge: Effect(|fx, secret| fut(async move { !fx.key_works(&text(&secret)).await })),
        },
        Row {
            key: "deleteApiKey/someone-elses",
            expect: ADMIN_ONLY,
            doc: "mutation($id: String!) { deleteApiKey(input: {id: $id}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let (id, secret) = fx.new_key(&fx.bystander.id).await;
                    Target::new(json!({ "id": id }))
                        .probe(json!(secret))
                        .secrets(&[&secret])
                        .not_found()
                })
            },
            judge: Effect(|fx, secret| fut(async move { !fx.key_works(&text(&secret)).await })),
        },
        Row {
            key: "createTeam",
            expect: PEOPLE,
            doc: "mutation($n: String!) { createTeam(input: {teamName: $n}) { entity { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let name = fx.fresh("team");
                    Target::new(json!({ "n": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "query($n: String!) { entity(name: $n) { id } }",
                            json!({ "n": name }),
                        )
                        .await;
                    !data["entity"].is_null()
                })
            }),
        },
        Row {
            key: "createTeam/administered-by-someone-else",
            expect: ADMIN_ONLY,
            doc: "mutation($n: String!, $a: String) { createTeam(input: {teamName: $n, teamAdminUserName: $a}) { entity { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let name = fx.fresh("team");
                    Target::new(json!({ "n": name, "a": fx.bystander.username })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "query($n: String!) { entity(name: $n) { id } }",
                            json!({ "n": name }),
                        )
                        .await;
                    !data["entity"].is_null()
                })
            }),
        },
        Row {
            key: "createInvite",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($u: String) { createInvite(input: {entityName: \"ml\", username: $u}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let user = fx.new_user().await;
                    Target::new(json!({ "u": user.username })).probe(json!(user.username))
                })
            },
            judge: Effect(|fx, username| {
                fut(async move { fx.has_ml_member("username", &username).await })
            }),
        },
        // Removing someone else (a member may remove themselves, which this
        // row does not try).
        Row {
            key: "deleteInvite",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($id: String) { deleteInvite(input: {id: $id, entityName: \"ml\"}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let user = fx.new_user().await;
                    fx.as_owner(
                        "mutation($u: String) { createInvite(input: {entityName: \"ml\", username: $u}) { success } }",
                        json!({ "u": user.username }),
                    )
                    .await;
                    Target::new(json!({ "id": user.id })).probe(json!(user.username))
                })
            },
            judge: Effect(|fx, username| {
                fut(async move { !fx.has_ml_member("username", &username).await })
            }),
        },
        Row {
            key: "deleteInvite/pending-invitation",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($id: String) { deleteInvite(input: {id: $id, entityName: \"ml\"}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let email = format!("{}@example.com", fx.fresh("invited"));
                    let data = fx
                        .as_owner(
                            "mutation($e: String) { createInvite(input: {entityName: \"ml\", email: $e}) { invite { id } } }",
                            json!({ "e": email }),
                        )
                        .await;
                    Target::new(json!({ "id": data["createInvite"]["invite"]["id"] }))
                        .probe(json!(email))
                })
            },
            judge: Effect(|fx, email| fut(async move { !fx.has_ml_member("email", &email).await })),
        },
        Row {
            key: "createServiceAccount",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($d: String!) { createServiceAccount(input: {entityName: \"ml\", description: $d}) { user { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let description = fx.fresh("robot");
                    Target::new(json!({ "d": description })).probe(json!(description))
                })
            },
            judge: Effect(|fx, description| {
                fut(async move { fx.has_ml_member("name", &description).await })
            }),
        },
        // ----- projects and registries -----
        Row {
            key: "upsertModel",
            expect: MEMBERS,
            doc: "mutation($n: String, $d: String) { upsertModel(input: {entityName: \"ml\", name: $n, description: $d}) { project { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, _) = fx.new_project().await;
                    let description = fx.fresh("changed");
                    Target::new(json!({ "n": name, "d": description }))
                        .probe(json!({ "n": name, "d": description }))
                })
            },
            judge: Effect(|fx, p| {
                fut(async move { fx.project("ml", &text(&p["n"])).await["description"] == p["d"] })
            }),
        },
        Row {
            key: "upsertModel/create-in-ml",
            expect: MEMBERS,
            doc: "mutation($n: String) { upsertModel(input: {entityName: \"ml\", name: $n}) { project { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let name = fx.fresh("created");
                    Target::new(json!({ "n": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { !fx.project("ml", &text(&name)).await.is_null() })
            }),
        },
        // Only a registry's admins change its settings.
        Row {
            key: "upsertModel/registry-open",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($e: String, $n: String, $d: String) { upsertModel(input: {entityName: $e, name: $n, description: $d}) { project { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let registry = fx.new_registry(false).await;
                    let description = fx.fresh("changed");
                    Target::new(json!({ "e": fx.org, "n": registry.name, "d": description }))
                        .probe(json!({ "n": registry.name, "d": description }))
                })
            },
            judge: Effect(|fx, p| {
                fut(
                    async move { fx.project(&fx.org, &text(&p["n"])).await["description"] == p["d"] },
                )
            }),
        },
        // A restricted registry is, to those outside it, a registry that
        // does not exist: a denial says "not found" and shows nothing of it.
        Row {
            key: "upsertModel/registry-secret",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($e: String, $n: String, $d: String) { upsertModel(input: {entityName: $e, name: $n, description: $d}) { project { id description access } } }",
            setup: |fx, _| {
                fut(async move {
                    let registry = fx.new_registry(true).await;
                    let description = fx.fresh("changed");
                    Target::new(json!({ "e": fx.org, "n": registry.name, "d": description }))
                        .probe(json!({ "n": registry.name, "d": description }))
                        .secrets(&[&registry.id, &registry.description, "RESTRICTED"])
                        .not_found()
                })
            },
            judge: Effect(|fx, p| {
                fut(
                    async move { fx.project(&fx.org, &text(&p["n"])).await["description"] == p["d"] },
                )
            }),
        },
        Row {
            key: "upsertModel/registry-secret-access",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($e: String, $n: String) { upsertModel(input: {entityName: $e, name: $n, access: \"PRIVATE\"}) { project { id description access } } }",
            setup: |fx, _| {
                fut(async move {
                    let registry = fx.new_registry(true).await;
                    Target::new(json!({ "e": fx.org, "n": registry.name }))
                        .probe(json!(registry.name))
                        .secrets(&[&registry.id, &registry.description, "RESTRICTED"])
                        .not_found()
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { fx.project(&fx.org, &text(&name)).await["access"] == "PRIVATE" })
            }),
        },
        Row {
            key: "deleteModel",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($id: String!) { deleteModel(input: {id: $id}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, id) = fx.new_project().await;
                    Target::new(json!({ "id": id })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { fx.project("ml", &text(&name)).await.is_null() })
            }),
        },
        Row {
            key: "deleteModel/registry-secret",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($id: String!) { deleteModel(input: {id: $id}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let registry = fx.new_registry(true).await;
                    let nothing = gid("Project", NO_SUCH_ROW);
                    let n = row_number(&registry.id).to_string();
                    Target::new(json!({ "id": registry.id }))
                        .probe(json!(registry.name))
                        .secrets(&[&registry.description, "RESTRICTED"])
                        .not_found()
                        .twin(
                            json!({ "id": nothing }),
                            &[(&registry.id, &nothing), (&n, &NO_SUCH_ROW.to_string())],
                        )
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { fx.project(&fx.org, &text(&name)).await.is_null() })
            }),
        },
        Row {
            key: "renameProject",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($e: String!, $old: String!, $new: String!) { renameProject(input: {entityName: $e, oldProjectName: $old, newProjectName: $new}) { project { id name } } }",
            setup: |fx, _| {
                fut(async move {
                    let registry = fx.new_registry(false).await;
                    let new = fx.fresh("wandb-registry-renamed");
                    Target::new(json!({ "e": fx.org, "old": registry.name, "new": new }))
                        .probe(json!(new))
                })
            },
            judge: Effect(|fx, new| {
                fut(async move { !fx.project(&fx.org, &text(&new)).await.is_null() })
            }),
        },
        Row {
            key: "renameProject/registry-secret",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($e: String!, $old: String!, $new: String!) { renameProject(input: {entityName: $e, oldProjectName: $old, newProjectName: $new}) { project { id name } } }",
            setup: |fx, _| {
                fut(async move {
                    let registry = fx.new_registry(true).await;
                    let new = fx.fresh("wandb-registry-renamed");
                    let nothing = fx.fresh("wandb-registry-nothing");
                    Target::new(json!({ "e": fx.org, "old": registry.name, "new": new }))
                        .probe(json!(new))
                        .secrets(&[&registry.id, &registry.description, "RESTRICTED"])
                        .not_found()
                        .twin(
                            json!({ "e": fx.org, "old": nothing, "new": new }),
                            &[(&registry.name, &nothing)],
                        )
                })
            },
            judge: Effect(|fx, new| {
                fut(async move { !fx.project(&fx.org, &text(&new)).await.is_null() })
            }),
        },
        Row {
            key: "createProjectMembers",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($p: ID!, $u: [ID!]) { createProjectMembers(input: {projectId: $p, userIds: $u}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let registry = fx.new_registry(false).await;
                    Target::new(json!({ "p": registry.id, "u": [fx.bystander.id] }))
                        .probe(json!(registry.name))
                })
            },
            judge: Effect(|fx, registry| {
                fut(async move {
                    fx.registry_role(&text(&registry), &fx.bystander.username)
                        .await
                        .is_some()
                })
            }),
        },
        // The member holds the admin role in this registry, so they manage
        // its members too.
        Row {
            key: "createProjectMembers/member-holds-admin-role",
            expect: [Deny, Deny, Allow, Allow, Allow],
            doc: "mutation($p: ID!, $u: [ID!]) { createProjectMembers(input: {projectId: $p, userIds: $u}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let registry = fx.new_registry(false).await;
                    fx.add_registry_member(&registry.id, &fx.member.id, Some("admin"))
                        .await;
                    Target::new(json!({ "p": registry.id, "u": [fx.bystander.id] }))
                        .probe(json!(registry.name))
                })
            },
            judge: Effect(|fx, registry| {
                fut(async move {
                    fx.registry_role(&text(&registry), &fx.bystander.username)
                        .await
                        .is_some()
                })
            }),
        },
        Row {
            key: "createProjectMembers/registry-secret",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($p: ID!, $u: [ID!]) { createProjectMembers(input: {projectId: $p, userIds: $u}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let registry = fx.new_registry(true).await;
                    let nothing = gid("Project", NO_SUCH_ROW);
                    Target::new(json!({ "p": registry.id, "u": [fx.bystander.id] }))
                        .probe(json!(registry.name))
                        .secrets(&[&registry.description, "RESTRICTED"])
                        .not_found()
                        .twin(
                            json!({ "p": nothing, "u": [fx.bystander.id] }),
                            &[(&registry.id, &nothing)],
                        )
                })
            },
            judge: Effect(|fx, registry| {
                fut(async move {
                    fx.registry_role(&text(&registry), &fx.bystander.username)
                        .await
                        .is_some()
                })
            }),
        },
        Row {
            key: "deleteProjectMembers",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($p: ID!, $u: [ID!]) { deleteProjectMembers(input: {projectId: $p, userIds: $u}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let registry = fx.new_registry(false).await;
                    fx.add_registry_member(&registry.id, &fx.bystander.id, None)
                        .await;
                    Target::new(json!({ "p": registry.id, "u": [fx.bystander.id] }))
                        .probe(json!(registry.name))
                })
            },
            judge: Effect(|fx, registry| {
                fut(async move {
                    fx.registry_role(&text(&registry), &fx.bystander.username)
                        .await
                        .is_none()
                })
            }),
        },
        Row {
            key: "updateProjectMember",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($p: ID!, $u: ID!) { updateProjectMember(input: {projectId: $p, userId: $u, userProjectRole: \"admin\"}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let registry = fx.new_registry(false).await;
                    fx.add_registry_member(&registry.id, &fx.bystander.id, None)
                        .await;
                    Target::new(json!({ "p": registry.id, "u": fx.bystander.id }))
                        .probe(json!(registry.name))
                })
            },
            judge: Effect(|fx, registry| {
                fut(async move {
                    fx.registry_role(&text(&registry), &fx.bystander.username)
                        .await
                        .as_deref()
                        == Some("admin")
                })
            }),
        },
        Row {
            key: "updateProjectTeamMember",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($p: ID!, $t: ID!) { updateProjectTeamMember(input: {projectId: $p, teamId: $t, teamProjectRole: \"admin\"}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let registry = fx.new_registry(false).await;
                    fx.as_owner(
                        "mutation($p: ID!, $t: [ID!]) { createProjectMembers(input: {projectId: $p, teamIds: $t}) { success } }",
                        json!({ "p": registry.id, "t": [fx.ml_id] }),
                    )
                    .await;
                    Target::new(json!({ "p": registry.id, "t": fx.ml_id }))
                        .probe(json!(registry.name))
                })
            },
            judge: Effect(|fx, registry| {
                fut(async move {
                    let project = fx.project(&fx.org, &text(&registry)).await;
                    project["teamMembers"].as_array().is_some_and(|t| {
                        t.iter()
                            .any(|m| m["team"]["name"] == "ml" && m["role"]["name"] == "admin")
                    })
                })
            }),
        },
        // ----- runs -----
        Row {
            key: "upsertBucket",
            expect: MEMBERS,
            doc: "mutation($n: String) { upsertBucket(input: {entityName: \"ml\", modelName: \"p\", name: $n}) { bucket { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let name = fx.fresh("run");
                    Target::new(json!({ "n": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| fut(async move { !fx.run(&name).await.is_null() })),
        },
        Row {
            key: "upsertBucket/update-by-id",
            expect: MEMBERS,
            doc: "mutation($id: String, $d: String) { upsertBucket(input: {id: $id, description: $d}) { bucket { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, id) = fx.new_run().await;
                    let description = fx.fresh("changed");
                    Target::new(json!({ "id": id, "d": description }))
                        .probe(json!({ "n": name, "d": description }))
                })
            },
            judge: Effect(|fx, p| {
                fut(async move { fx.run(&p["n"]).await["description"] == p["d"] })
            }),
        },
        // Registries hold linked versions, not runs.
        Row {
            key: "upsertBucket/registry-open",
            expect: NOBODY,
            doc: "mutation($e: String, $n: String) { upsertBucket(input: {entityName: $e, modelName: \"wandb-registry-open\", name: $n}) { bucket { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let name = fx.fresh("run");
                    Target::new(json!({ "e": fx.org, "n": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { !fx.registry_run(OPEN, &text(&name)).await.is_null() })
            }),
        },
        Row {
            key: "upsertBucket/registry-secret",
            expect: NOBODY,
            doc: "mutation($e: String, $n: String) { upsertBucket(input: {entityName: $e, modelName: \"wandb-registry-secret\", name: $n}) { bucket { id project { description access } } } }",
            setup: |fx, _| {
                fut(async move {
                    let name = fx.fresh("run");
                    Target::new(json!({ "e": fx.org, "n": name }))
                        .probe(json!(name))
                        .secrets(&[SECRET_DESCRIPTION, "RESTRICTED"])
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { !fx.registry_run(SECRET, &text(&name)).await.is_null() })
            }),
        },
        Row {
            key: "createRunFiles",
            expect: MEMBERS,
            doc: "mutation($r: String!) { createRunFiles(input: {entityName: \"ml\", projectName: \"p\", runName: $r, files: [\"a.txt\"]}) { runID files { name uploadUrl } } }",
            setup: |fx, _| fut(async move { Target::new(json!({ "r": fx.new_run().await.0 })) }),
            judge: Answers,
        },
        Row {
            key: "markRunFilesUploaded",
            expect: MEMBERS,
            doc: "mutation($r: String!) { markRunFilesUploaded(input: {entityName: \"ml\", projectName: \"p\", runName: $r, files: [\"a.txt\"]}) { success } }",
            setup: |fx, _| fut(async move { Target::new(json!({ "r": fx.new_run().await.0 })) }),
            judge: Answers,
        },
        Row {
            key: "updateRunState",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { updateRunState(input: {id: $id, state: \"failed\"}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, id) = fx.new_run().await;
                    Target::new(json!({ "id": id })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| fut(async move { fx.run(&name).await["state"] == "failed" })),
        },
        Row {
            key: "stopRun",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { stopRun(input: {id: $id}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, id) = fx.new_run().await;
                    Target::new(json!({ "id": id })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| fut(async move { fx.run(&name).await["stopped"] == true })),
        },
        Row {
            key: "rewindRun",
            expect: MEMBERS,
            doc: "mutation($r: String!) { rewindRun(input: {entityName: \"ml\", projectName: \"p\", runName: $r, metricName: \"_step\", metricValue: 0}) { rewoundRun { name historyLineCount } } }",
            setup: |fx, _| fut(async move { Target::new(json!({ "r": fx.new_run().await.0 })) }),
            judge: Answers,
        },
        Row {
            key: "notifyScriptableRunAlert",
            expect: MEMBERS,
            doc: "mutation($r: String!) { notifyScriptableRunAlert(input: {entityName: \"ml\", projectName: \"p\", runName: $r, title: \"t\", text: \"x\"}) { success } }",
            setup: |fx, _| fut(async move { Target::new(json!({ "r": fx.new_run().await.0 })) }),
            judge: Answers,
        },
        Row {
            key: "deleteRun",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { deleteRun(input: {id: $id}) { clientMutationId } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, id) = fx.new_run().await;
                    Target::new(json!({ "id": id })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| fut(async move { fx.run(&name).await.is_null() })),
        },
        // ----- sweeps -----
        Row {
            key: "upsertSweep",
            expect: MEMBERS,
            doc: "mutation($c: String, $d: String) { upsertSweep(input: {entityName: \"ml\", projectName: \"p\", config: $c, displayName: $d}) { sweep { name } } }",
            setup: |fx, _| {
                fut(async move {
                    let display = fx.fresh("sweep");
                    Target::new(json!({ "c": SWEEP_CONFIG, "d": display })).probe(json!(display))
                })
            },
            judge: Effect(|fx, display| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "{ project(entityName: \"ml\", name: \"p\") { sweeps(first: 1000) { edges { node { displayName } } } } }",
                            json!({}),
                        )
                        .await;
                    edge_values(&data["project"]["sweeps"], "displayName").contains(&text(&display))
                })
            }),
        },
        Row {
            key: "upsertSweep/state",
            expect: MEMBERS,
            doc: "mutation($id: ID) { upsertSweep(input: {id: $id, state: \"PAUSED\"}) { sweep { name } } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, id) = fx.new_sweep().await;
                    Target::new(json!({ "id": id })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { fx.sweep(&name).await["state"] == "PAUSED" })
            }),
        },
        Row {
            key: "createAgent",
            expect: MEMBERS,
            doc: "mutation($s: String!, $h: String!) { createAgent(input: {entityName: \"ml\", projectName: \"p\", sweep: $s, host: $h}) { agent { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, _) = fx.new_sweep().await;
                    let host = fx.fresh("host");
                    Target::new(json!({ "s": name, "h": host })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move {
                    fx.sweep(&name).await["agents"]["edges"]
                        .as_array()
                        .is_some_and(|a| !a.is_empty())
                })
            }),
        },
        Row {
            key: "agentHeartbeat",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { agentHeartbeat(input: {id: $id, runState: \"{}\"}) { commands } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, _) = fx.new_sweep().await;
                    let data = fx
                        .as_owner(
                            "mutation($s: String!) { createAgent(input: {entityName: \"ml\", projectName: \"p\", sweep: $s, host: \"h\"}) { agent { id } } }",
                            json!({ "s": name }),
                        )
                        .await;
                    Target::new(json!({ "id": text(&data["createAgent"]["agent"]["id"]) }))
                        .probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(
                    async move { fx.sweep(&name).await["agents"]["edges"][0]["node"]["totalRuns"] == 1 },
                )
            }),
        },
        // ----- launch -----
        Row {
            key: "launchAgent",
            expect: READERS,
            doc: "query($id: ID!) { launchAgent(id: $id) { id hostname } }",
            setup: |fx, _| {
                fut(async move { Target::new(json!({ "id": fx.new_launch_agent().await })) })
            },
            judge: Shows(|_, d| Ok(!d["launchAgent"].is_null())),
        },
        Row {
            key: "createDefaultResourceConfig",
            expect: MEMBERS,
            doc: "mutation { createDefaultResourceConfig(input: {entityName: \"ml\", resource: \"local-process\", config: \"{}\"}) { defaultResourceConfigID } }",
            setup: |fx, _| {
                fut(async move {
                    fx.new_queue().await;
                    Target::new(json!({}))
                })
            },
            judge: Answers,
        },
        Row {
            key: "createRunQueue",
            expect: MEMBERS,
            doc: "mutation($q: String!) { createRunQueue(input: {entityName: \"ml\", projectName: \"model-registry\", queueName: $q, access: PROJECT}) { queueID } }",
            setup: |fx, _| {
                fut(async move {
                    fx.new_queue().await;
                    let name = fx.fresh("queue");
                    Target::new(json!({ "q": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| fut(async move { !fx.queue(&name).await.is_null() })),
        },
        Row {
            key: "upsertRunQueue",
            expect: MEMBERS,
            doc: "mutation($q: String!) { upsertRunQueue(input: {entityName: \"ml\", projectName: \"model-registry\", queueName: $q, resourceType: \"local-process\", resourceConfig: \"{}\"}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    fx.new_queue().await;
                    let name = fx.fresh("queue");
                    Target::new(json!({ "q": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| fut(async move { !fx.queue(&name).await.is_null() })),
        },
        Row {
            key: "deleteRunQueues",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { deleteRunQueues(input: {queueIDs: [$id]}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, id) = fx.new_queue().await;
                    Target::new(json!({ "id": id })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| fut(async move { fx.queue(&name).await.is_null() })),
        },
        Row {
            key: "pushToRunQueueByName",
            expect: MEMBERS,
            doc: "mutation($q: String!) { pushToRunQueueByName(input: {entityName: \"ml\", projectName: \"model-registry\", queueName: $q, runSpec: \"{}\"}) { runQueueItemId } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, _) = fx.new_queue().await;
                    Target::new(json!({ "q": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(
                    async move { edge_values(&fx.queue(&name).await["runQueueItems"], "id").len() == 1 },
                )
            }),
        },
        Row {
            key: "pushToRunQueue",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { pushToRunQueue(input: {queueID: $id, runSpec: \"{}\"}) { runQueueItemId } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, id) = fx.new_queue().await;
                    Target::new(json!({ "id": id })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(
                    async move { edge_values(&fx.queue(&name).await["runQueueItems"], "id").len() == 1 },
                )
            }),
        },
        Row {
            key: "popFromRunQueue",
            expect: MEMBERS,
            doc: "mutation($q: String!) { popFromRunQueue(input: {entityName: \"ml\", projectName: \"model-registry\", queueName: $q}) { runQueueItemId } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, _, _) = fx.new_item(false).await;
                    Target::new(json!({ "q": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move {
                    edge_values(&fx.queue(&name).await["runQueueItems"], "state") == ["LEASED"]
                })
            }),
        },
        Row {
            key: "ackRunQueueItem",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { ackRunQueueItem(input: {runQueueItemId: $id, runName: \"r1\"}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, _, item) = fx.new_item(true).await;
                    Target::new(json!({ "id": item })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move {
                    edge_values(&fx.queue(&name).await["runQueueItems"], "state") == ["CLAIMED"]
                })
            }),
        },
        Row {
            key: "failRunQueueItem",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { failRunQueueItem(input: {runQueueItemId: $id, message: \"m\", stage: \"agent\"}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, _, item) = fx.new_item(true).await;
                    Target::new(json!({ "id": item })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move {
                    edge_values(&fx.queue(&name).await["runQueueItems"], "state") == ["FAILED"]
                })
            }),
        },
        Row {
            key: "updateRunQueueItemWarning",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { updateRunQueueItemWarning(input: {runQueueItemId: $id, message: \"m\", stage: \"agent\"}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, _, item) = fx.new_item(true).await;
                    Target::new(json!({ "id": item })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move {
                    !fx.queue(&name).await["runQueueItems"]["edges"][0]["node"]["warnings"]
                        .is_null()
                })
            }),
        },
        Row {
            key: "deleteFromRunQueue",
            expect: MEMBERS,
            doc: "mutation($q: ID!, $id: ID!) { deleteFromRunQueue(input: {queueID: $q, runQueueItemId: $id}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, queue, item) = fx.new_item(false).await;
                    Target::new(json!({ "q": queue, "id": item })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(
                    async move { edge_values(&fx.queue(&name).await["runQueueItems"], "id").is_empty() },
                )
            }),
        },
        Row {
            key: "createLaunchAgent",
            expect: MEMBERS,
            doc: "mutation($q: ID!, $h: String!) { createLaunchAgent(input: {entityName: \"ml\", projectName: \"model-registry\", runQueues: [$q], hostname: $h}) { launchAgentId } }",
            setup: |fx, _| {
                fut(async move {
                    let (_, queue) = fx.new_queue().await;
                    let host = fx.fresh("host");
                    Target::new(json!({ "q": queue, "h": host })).probe(json!(host))
                })
            },
            judge: Effect(|fx, host| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "{ entity(name: \"ml\") { launchAgents { hostname } } }",
                            json!({}),
                        )
                        .await;
                    data["entity"]["launchAgents"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x["hostname"] == host))
                })
            }),
        },
        Row {
            key: "updateLaunchAgent",
            expect: MEMBERS,
            doc: "mutation($id: ID!, $s: String) { updateLaunchAgent(input: {launchAgentId: $id, agentStatus: $s}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let id = fx.new_launch_agent().await;
                    let status = fx.fresh("STATUS");
                    Target::new(json!({ "id": id, "s": status })).probe(json!([id, status]))
                })
            },
            judge: Effect(|fx, probe| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "query($id: ID!) { launchAgent(id: $id) { agentStatus } }",
                            json!({ "id": probe[0] }),
                        )
                        .await;
                    data["launchAgent"]["agentStatus"] == probe[1]
                })
            }),
        },
        Row {
            key: "view",
            expect: READERS,
            doc: "query($id: ID!) { view(id: $id) { id spec } }",
            setup: |fx, _| fut(async move { Target::new(json!({ "id": fx.new_view().await })) }),
            judge: Shows(|_, d| Ok(!d["view"].is_null())),
        },
        Row {
            key: "upsertView",
            expect: MEMBERS,
            doc: "mutation($id: ID, $t: String) { upsertView(input: {id: $id, displayName: $t}) { view { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let id = fx.new_view().await;
                    let title = fx.fresh("title");
                    Target::new(json!({ "id": id, "t": title })).probe(json!([id, title]))
                })
            },
            judge: Effect(|fx, probe| {
                fut(async move { fx.view(&probe[0]).await["displayName"] == probe[1] })
            }),
        },
        Row {
            key: "upsertView/create",
            expect: MEMBERS,
            doc: "mutation($n: String) { upsertView(input: {entityName: \"ml\", projectName: \"p\", name: $n, spec: \"{}\"}) { view { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let name = fx.fresh("report");
                    Target::new(json!({ "n": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "query($n: String) { project(entityName: \"ml\", name: \"p\") { allViews(viewName: $n) { edges { node { id } } } } }",
                            json!({ "n": name }),
                        )
                        .await;
                    edge_values(&data["project"]["allViews"], "id").len() == 1
                })
            }),
        },
        Row {
            key: "createGenericWebhookIntegration",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($n: String!) { createGenericWebhookIntegration(input: {entityName: \"ml\", name: $n, urlEndpoint: \"https://hooks.example.com/x\"}) { integration { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let name = fx.fresh("hook");
                    Target::new(json!({ "n": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { fx.integrations().await.contains(&text(&name)) })
            }),
        },
        Row {
            key: "createSlackWebhookIntegration",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($n: String!) { createSlackWebhookIntegration(input: {entityName: \"ml\", name: $n, urlEndpoint: \"https://hooks.example.com/slack\", channelName: \"#ml\"}) { integration { __typename } } }",
            setup: |fx, _| {
                fut(async move {
                    let name = fx.fresh("slack");
                    Target::new(json!({ "n": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "{ entity(name: \"ml\") { integrations(first: 100) { edges { node { ... on SlackIntegration { teamName } } } } } }",
                            json!({}),
                        )
                        .await;
                    edge_values(&data["entity"]["integrations"], "teamName").contains(&text(&name))
                })
            }),
        },
        Row {
            key: "setAlertIntegration",
            expect: MEMBERS,
            doc: "mutation($id: ID) { setAlertIntegration(input: {integrationID: $id}) { success integration { __typename } } }",
            setup: |fx, _| {
                fut(async move {
                    let id = fx.new_integration().await;
                    Target::new(json!({ "id": id }))
                })
            },
            judge: Answers,
        },
        Row {
            key: "deleteIntegration",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($id: ID!) { deleteIntegration(input: {id: $id}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let id = fx.new_integration().await;
                    Target::new(json!({ "id": id })).probe(json!(id))
                })
            },
            judge: Effect(|fx, id| {
                fut(async move { !fx.integrations().await.contains(&text(&id)) })
            }),
        },
        Row {
            key: "createFilterTrigger",
            expect: OWNER_AND_ADMIN,
            doc: TRIGGER_CREATE,
            setup: |fx, _| {
                fut(async move {
                    let name = fx.fresh("auto");
                    let project = fx.project_p_id().await;
                    Target::new(json!({ "n": name, "s": project })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { fx.triggers().await.contains(&text(&name)) })
            }),
        },
        Row {
            key: "updateFilterTrigger",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($id: ID!) { updateFilterTrigger(input: {id: $id, enabled: false}) { trigger { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let id = fx.new_trigger().await;
                    Target::new(json!({ "id": id })).probe(json!(id))
                })
            },
            judge: Effect(|fx, id| {
                fut(async move {
                    fx.triggers()
                        .await
                        .contains(&format!("disabled:{}", text(&id)))
                })
            }),
        },
        Row {
            key: "deleteTrigger",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($id: ID!) { deleteTrigger(input: {triggerID: $id}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let id = fx.new_trigger().await;
                    Target::new(json!({ "id": id })).probe(json!(id))
                })
            },
            judge: Effect(|fx, id| fut(async move { !fx.triggers().await.contains(&text(&id)) })),
        },
        Row {
            key: "insertSecret",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($n: String!) { insertSecret(input: {entityName: \"ml\", secretName: $n, secretValue: \"sealed-value-4b1d\"}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let name = fx.fresh_secret();
                    Target::new(json!({ "n": name }))
                        .probe(json!(name))
                        .secrets(&["sealed-value-4b1d"])
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { fx.secret_names().await.contains(&text(&name)) })
            }),
        },
        Row {
            key: "deleteSecret",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($n: String!) { deleteSecret(input: {entityName: \"ml\", secretName: $n}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let name = fx.new_secret().await;
                    Target::new(json!({ "n": name })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { !fx.secret_names().await.contains(&text(&name)) })
            }),
        },
        Row {
            key: "deleteView",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { deleteView(input: {id: $id, deleteDrafts: true}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let id = fx.new_view().await;
                    Target::new(json!({ "id": id })).probe(json!(id))
                })
            },
            judge: Effect(|fx, id| fut(async move { fx.view(&id).await.is_null() })),
        },
        Row {
            key: "deleteFiles",
            expect: MEMBERS,
            doc: "mutation($f: [ID!]!) { deleteFiles(input: {files: $f}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, _) = fx.new_run().await;
                    let data = fx
                        .as_owner(
                            "mutation($r: String!) { createRunFiles(input: {entityName: \"ml\", projectName: \"p\", runName: $r, files: [\"a.txt\"]}) { files { uploadUrl } } }",
                            json!({ "r": name }),
                        )
                        .await;
                    fx.put(
                        &text(&data["createRunFiles"]["files"][0]["uploadUrl"]),
                        b"bytes".to_vec(),
                    )
                    .await;
                    let file =
                        fx.run(&json!(name)).await["files"]["edges"][0]["node"]["id"].clone();
                    assert!(file.is_string(), "the uploaded file is listed");
                    Target::new(json!({ "f": [file] })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { edge_values(&fx.run(&name).await["files"], "id").is_empty() })
            }),
        },
        Row {
            key: "useArtifact",
            expect: MEMBERS,
            doc: "mutation($r: String!, $a: ID!) { useArtifact(input: {entityName: \"ml\", projectName: \"p\", runName: $r, artifactID: $a}) { artifact { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, _) = fx.new_run().await;
                    Target::new(json!({ "r": name, "a": fx.artifact.id })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { fx.run(&name).await["inputArtifacts"]["totalCount"] == 1 })
            }),
        },
        // The caller may write the run but not read the artifact (it lives
        // in the owner's personal project).
        Row {
            key: "useArtifact/unreadable-artifact",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($r: String!, $a: ID!) { useArtifact(input: {entityName: \"ml\", projectName: \"p\", runName: $r, artifactID: $a}) { artifact { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, _) = fx.new_run().await;
                    let project = fx.fresh("mine");
                    let art = fx
                        .log(("owner", &project), "own", "dataset", None, &[], true)
                        .await;
                    Target::new(json!({ "r": name, "a": art.id })).probe(json!(name))
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { fx.run(&name).await["inputArtifacts"]["totalCount"] == 1 })
            }),
        },
        // ----- artifacts -----
        Row {
            key: "createArtifact",
            expect: MEMBERS,
            doc: "mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { artifact { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let collection = fx.fresh("created");
                    Target::new(json!({ "input": {
                        "artifactTypeName": "dataset", "artifactCollectionName": collection,
                        "entityName": "ml", "projectName": "p", "digest": hex_md5(collection.as_bytes()),
                    }}))
                    .probe(json!(collection))
                })
            },
            judge: Effect(|fx, collection| {
                fut(async move {
                    let data = fx
                        .as_admin(
                            "query($n: String!) { project(entityName: \"ml\", name: \"p\") { artifactCollection(name: $n) { id } } }",
                            json!({ "n": collection }),
                        )
                        .await;
                    !data["project"]["artifactCollection"].is_null()
                })
            }),
        },
        // Logging straight into a restricted registry: refused to everyone
        // outside it. Its admins are not refused here (the rule names only
        // the others); versions normally arrive by linkArtifact.
        Row {
            key: "createArtifact/registry-secret",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { artifact { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let collection = fx.fresh("created");
                    Target::new(json!({ "input": {
                        "artifactTypeName": "dataset", "artifactCollectionName": collection,
                        "entityName": fx.org, "projectName": SECRET, "digest": hex_md5(collection.as_bytes()),
                    }}))
                    .probe(json!(collection))
                    .secrets(&[SECRET_DESCRIPTION, "RESTRICTED"])
                })
            },
            judge: Effect(|fx, collection| {
                fut(async move { !fx.portfolio(SECRET, &text(&collection)).await.is_null() })
            }),
        },
        Row {
            key: "createArtifactManifest",
            expect: MEMBERS,
            doc: "mutation($id: ID!, $d: String!) { createArtifactManifest(input: {artifactID: $id, name: \"wandb_manifest.json\", digest: $d}) { artifactManifest { id file { uploadUrl } } } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(false, &[]).await;
                    Target::new(json!({ "id": art.id, "d": b64_md5(EMPTY_MANIFEST.as_bytes()) }))
                })
            },
            judge: Answers,
        },
        Row {
            key: "updateArtifactManifest",
            expect: MEMBERS,
            doc: "mutation($id: ID!, $d: String) { updateArtifactManifest(input: {artifactManifestID: $id, digest: $d}) { artifactManifest { id file { uploadUrl } } } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(false, &[]).await;
                    Target::new(json!({
                        "id": gid("ArtifactManifest", art.number),
                        "d": b64_md5(EMPTY_MANIFEST.as_bytes()),
                    }))
                })
            },
            judge: Answers,
        },
        Row {
            key: "createArtifactFiles",
            expect: MEMBERS,
            doc: "mutation($id: ID!, $md5: String!) { createArtifactFiles(input: {artifactFiles: [{artifactID: $id, name: \"f.txt\", md5: $md5}]}) { files { edges { node { uploadUrl } } } } }",
            setup: |fx, _| {
                fut(async move {
                    // The bytes are already uploaded in ml/p, so whoever may
                    // write there stages them as proven (and listed) at once;
                    // an entry that still awaits its upload is not listed.
                    let bytes = fx.fresh("staged bytes");
                    let md5 = b64_md5(bytes.as_bytes());
                    let holder = fx.new_artifact(false, &[]).await;
                    let data = fx
                        .as_owner(
                            "mutation($id: ID!, $md5: String!) { createArtifactFiles(input: {artifactFiles: [{artifactID: $id, name: \"held.txt\", md5: $md5}]}) { files { edges { node { uploadUrl } } } } }",
                            json!({ "id": holder.id, "md5": md5 }),
                        )
                        .await;
                    let url = text(
                        &data["createArtifactFiles"]["files"]["edges"][0]["node"]["uploadUrl"],
                    );
                    fx.put(&url, bytes.into_bytes()).await;
                    let art = fx.new_artifact(false, &[]).await;
                    Target::new(json!({ "id": art.id, "md5": md5 })).probe(json!(art.id))
                })
            },
            judge: Effect(|fx, id| {
                fut(async move {
                    names(&fx.artifact(&id).await["files"]).contains(&"f.txt".to_string())
                })
            }),
        },
        Row {
            key: "completeMultipartUploadArtifact",
            expect: MEMBERS,
            doc: "mutation($parts: [UploadPartsInput!]!, $id: ID!, $path: String!, $upload: String!) { completeMultipartUploadArtifact(input: {completeMultipartAction: Complete, completedParts: $parts, artifactID: $id, storagePath: $path, uploadID: $upload}) { digest } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(false, &[]).await;
                    let one = fx.fresh("first part").into_bytes();
                    let two = b"second part".to_vec();
                    let whole = [one.clone(), two.clone()].concat();
                    let parts = json!([
                        {"partNumber": 1, "hexMD5": hex_md5(&one)},
                        {"partNumber": 2, "hexMD5": hex_md5(&two)},
                    ]);
                    let data = fx
                        .as_owner(
                            "mutation($id: ID!, $md5: String!, $parts: [UploadPartsInput!]) { createArtifactFiles(input: {artifactFiles: [{artifactID: $id, name: \"big.bin\", md5: $md5, uploadPartsInput: $parts}]}) { files { edges { node { storagePath uploadMultipartUrls { uploadID uploadUrlParts { uploadUrl } } } } } } }",
                            json!({ "id": art.id, "md5": b64_md5(&whole), "parts": parts }),
                        )
                        .await;
                    let node = &data["createArtifactFiles"]["files"]["edges"][0]["node"];
                    let multipart = &node["uploadMultipartUrls"];
                    for (i, bytes) in [one, two].into_iter().enumerate() {
                        fx.put(&text(&multipart["uploadUrlParts"][i]["uploadUrl"]), bytes)
                            .await;
                    }
                    Target::new(json!({
                        "parts": parts, "id": art.id, "path": node["storagePath"],
                        "upload": multipart["uploadID"],
                    }))
                    .probe(json!({ "id": art.id, "md5": b64_md5(&whole) }))
                })
            },
            // Once the parts are joined the bytes are stored: staging them
            // again needs no upload.
            judge: Effect(|fx, p| {
                fut(async move {
                    let data = fx
                        .as_owner(
                            "mutation($id: ID!, $md5: String!) { createArtifactFiles(input: {artifactFiles: [{artifactID: $id, name: \"probe.bin\", md5: $md5}]}) { files { edges { node { uploadUrl } } } } }",
                            json!({ "id": p["id"], "md5": p["md5"] }),
                        )
                        .await;
                    data["createArtifactFiles"]["files"]["edges"][0]["node"]["uploadUrl"].is_null()
                })
            }),
        },
        Row {
            key: "commitArtifact",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { commitArtifact(input: {artifactID: $id}) { artifact { id state } } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(false, &[]).await;
                    fx.upload_manifest(&art.id).await;
                    Target::new(json!({ "id": art.id })).probe(json!(art.id))
                })
            },
            judge: Effect(|fx, id| {
                fut(async move { fx.artifact(&id).await["state"] == "COMMITTED" })
            }),
        },
        Row {
            key: "addAliases",
            expect: MEMBERS,
            doc: "mutation($id: ID!, $c: String!) { addAliases(input: {artifactID: $id, aliases: [{alias: \"blessed\", artifactCollectionName: $c}]}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(true, &[]).await;
                    Target::new(json!({ "id": art.id, "c": art.collection })).probe(json!(art.id))
                })
            },
            judge: Effect(|fx, id| {
                fut(async move { has_alias(&fx.artifact(&id).await, "blessed") })
            }),
        },
        // An alias in a restricted registry's portfolio: only the registry's
        // admins may set it, and to everyone else the registry does not exist.
        Row {
            key: "addAliases/in-registry-secret",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($id: ID!, $e: String, $p: String, $c: String!) { addAliases(input: {artifactID: $id, aliases: [{alias: \"blessed\", artifactCollectionName: $c, entityName: $e, projectName: $p}]}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let (portfolio, _, art) = fx.new_secret_portfolio().await;
                    Target::new(json!({ "id": art.id, "e": fx.org, "p": SECRET, "c": portfolio }))
                        .probe(json!(art.id))
                        .secrets(&[SECRET_DESCRIPTION, "RESTRICTED"])
                        .not_found()
                })
            },
            judge: Effect(|fx, id| {
                fut(async move { has_alias(&fx.artifact(&id).await, "blessed") })
            }),
        },
        Row {
            key: "deleteAliases",
            expect: MEMBERS,
            doc: "mutation($id: ID!, $c: String!) { deleteAliases(input: {artifactID: $id, aliases: [{alias: \"doomed\", artifactCollectionName: $c}]}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(true, &["doomed"]).await;
                    assert!(has_alias(&fx.artifact(&json!(art.id)).await, "doomed"));
                    Target::new(json!({ "id": art.id, "c": art.collection })).probe(json!(art.id))
                })
            },
            judge: Effect(|fx, id| {
                fut(async move { !has_alias(&fx.artifact(&id).await, "doomed") })
            }),
        },
        Row {
            key: "updateArtifact",
            expect: MEMBERS,
            doc: "mutation($id: ID!, $d: String) { updateArtifact(input: {artifactID: $id, description: $d}) { artifact { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(true, &[]).await;
                    let description = fx.fresh("changed");
                    Target::new(json!({ "id": art.id, "d": description }))
                        .probe(json!({ "id": art.id, "d": description }))
                })
            },
            judge: Effect(|fx, p| {
                fut(async move { fx.artifact(&p["id"]).await["description"] == p["d"] })
            }),
        },
        Row {
            key: "deleteArtifact",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { deleteArtifact(input: {artifactID: $id, deleteAliases: true}) { artifact { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(true, &[]).await;
                    Target::new(json!({ "id": art.id })).probe(json!(art.id))
                })
            },
            judge: Effect(|fx, id| fut(async move { fx.artifact(&id).await.is_null() })),
        },
        Row {
            key: "linkArtifact",
            expect: MEMBERS,
            doc: "mutation($input: LinkArtifactInput!) { linkArtifact(input: $input) { versionIndex } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(true, &[]).await;
                    let portfolio = fx.fresh("portfolio");
                    Target::new(json!({ "input": {
                        "artifactID": art.id, "artifactPortfolioName": portfolio,
                        "entityName": fx.org, "projectName": OPEN,
                    }}))
                    .probe(json!(portfolio))
                })
            },
            judge: Effect(|fx, portfolio| {
                fut(async move { !fx.portfolio(OPEN, &text(&portfolio)).await.is_null() })
            }),
        },
        Row {
            key: "linkArtifact/registry-secret",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($input: LinkArtifactInput!) { linkArtifact(input: $input) { versionIndex } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(true, &[]).await;
                    let portfolio = fx.fresh("portfolio");
                    let nothing = "wandb-registry-nothing";
                    let input = |registry: &str| {
                        json!({ "input": {
                            "artifactID": art.id, "artifactPortfolioName": portfolio,
                            "entityName": fx.org, "projectName": registry,
                        }})
                    };
                    Target::new(input(SECRET))
                        .probe(json!(portfolio))
                        .secrets(&[SECRET_DESCRIPTION, "RESTRICTED"])
                        .not_found()
                        .twin(input(nothing), &[(SECRET, nothing), ("secret", "nothing")])
                })
            },
            judge: Effect(|fx, portfolio| {
                fut(async move { !fx.portfolio(SECRET, &text(&portfolio)).await.is_null() })
            }),
        },
        Row {
            key: "linkArtifact/registry-secret-by-portfolio-id",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($a: ID!, $p: ID!) { linkArtifact(input: {artifactID: $a, artifactPortfolioID: $p}) { versionIndex } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, id, _) = fx.new_secret_portfolio().await;
                    let art = fx.new_artifact(true, &[]).await;
                    let nothing = gid("ArtifactCollection", NO_SUCH_ROW);
                    Target::new(json!({ "a": art.id, "p": id }))
                        .probe(json!(name))
                        .secrets(&[SECRET_DESCRIPTION, "RESTRICTED"])
                        .not_found()
                        .twin(json!({ "a": art.id, "p": nothing }), &[(&id, &nothing)])
                })
            },
            judge: Effect(|fx, name| {
                fut(async move {
                    fx.portfolio(SECRET, &text(&name)).await["artifacts"]["totalCount"] == 2
                })
            }),
        },
        Row {
            key: "unlinkArtifact",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($a: ID!, $p: ID!) { unlinkArtifact(input: {artifactID: $a, artifactPortfolioID: $p}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, id, art) = fx.new_secret_portfolio().await;
                    let nothing = gid("ArtifactCollection", NO_SUCH_ROW);
                    let n = row_number(&id).to_string();
                    Target::new(json!({ "a": art.id, "p": id }))
                        .probe(json!(name))
                        .secrets(&[SECRET_DESCRIPTION, "RESTRICTED"])
                        .not_found()
                        .twin(
                            json!({ "a": art.id, "p": nothing }),
                            &[(&id, &nothing), (&n, &NO_SUCH_ROW.to_string())],
                        )
                })
            },
            judge: Effect(|fx, name| {
                fut(async move {
                    let portfolio = fx.portfolio(SECRET, &text(&name)).await;
                    portfolio.is_null() || portfolio["artifacts"]["totalCount"] == 0
                })
            }),
        },
        Row {
            key: "updateArtifactPortfolio",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($id: ID!, $d: String) { updateArtifactPortfolio(input: {artifactPortfolioID: $id, description: $d}) { artifactCollection { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, id, _) = fx.new_secret_portfolio().await;
                    let description = fx.fresh("changed");
                    let nothing = gid("ArtifactCollection", NO_SUCH_ROW);
                    let n = row_number(&id).to_string();
                    Target::new(json!({ "id": id, "d": description }))
                        .probe(json!({ "n": name, "d": description }))
                        .secrets(&[SECRET_DESCRIPTION, "RESTRICTED"])
                        .not_found()
                        .twin(
                            json!({ "id": nothing, "d": description }),
                            &[(&id, &nothing), (&n, &NO_SUCH_ROW.to_string())],
                        )
                })
            },
            judge: Effect(|fx, p| {
                fut(
                    async move { fx.portfolio(SECRET, &text(&p["n"])).await["description"] == p["d"] },
                )
            }),
        },
        Row {
            key: "deleteArtifactPortfolio",
            expect: OWNER_AND_ADMIN,
            doc: "mutation($id: ID!) { deleteArtifactPortfolio(input: {artifactPortfolioID: $id}) { artifactCollection { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let (name, id, _) = fx.new_secret_portfolio().await;
                    let nothing = gid("ArtifactCollection", NO_SUCH_ROW);
                    let n = row_number(&id).to_string();
                    Target::new(json!({ "id": id }))
                        .probe(json!(name))
                        .secrets(&[SECRET_DESCRIPTION, "RESTRICTED"])
                        .not_found()
                        .twin(
                            json!({ "id": nothing }),
                            &[(&id, &nothing), (&n, &NO_SUCH_ROW.to_string())],
                        )
                })
            },
            judge: Effect(|fx, name| {
                fut(async move { fx.portfolio(SECRET, &text(&name)).await.is_null() })
            }),
        },
        Row {
            key: "updateArtifactSequence",
            expect: MEMBERS,
            doc: "mutation($id: ID!, $d: String) { updateArtifactSequence(input: {artifactSequenceID: $id, description: $d}) { artifactCollection { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(true, &[]).await;
                    let description = fx.fresh("changed");
                    Target::new(json!({ "id": art.sequence_id, "d": description }))
                        .probe(json!({ "id": art.sequence_id, "d": description }))
                })
            },
            judge: Effect(|fx, p| {
                fut(async move { fx.collection(&p["id"]).await["description"] == p["d"] })
            }),
        },
        Row {
            key: "moveArtifactSequence",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { moveArtifactSequence(input: {artifactSequenceID: $id, destinationArtifactTypeName: \"moved\"}) { artifactCollection { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(true, &[]).await;
                    Target::new(json!({ "id": art.sequence_id })).probe(json!(art.sequence_id))
                })
            },
            judge: Effect(|fx, id| {
                fut(
                    async move { fx.collection(&id).await["defaultArtifactType"]["name"] == "moved" },
                )
            }),
        },
        Row {
            key: "deleteArtifactSequence",
            expect: MEMBERS,
            doc: "mutation($id: ID!) { deleteArtifactSequence(input: {artifactSequenceID: $id}) { artifactCollection { id } } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(true, &[]).await;
                    Target::new(json!({ "id": art.sequence_id })).probe(json!(art.sequence_id))
                })
            },
            judge: Effect(|fx, id| fut(async move { fx.collection(&id).await.is_null() })),
        },
        Row {
            key: "createArtifactCollectionTagAssignments",
            expect: MEMBERS,
            doc: "mutation($c: String!) { createArtifactCollectionTagAssignments(input: {entityName: \"ml\", projectName: \"p\", artifactCollectionName: $c, tags: [{tagName: \"hot\"}]}) { tags { name } } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(true, &[]).await;
                    Target::new(json!({ "c": art.collection })).probe(json!(art.sequence_id))
                })
            },
            judge: Effect(|fx, id| {
                fut(
                    async move { names(&fx.collection(&id).await["tags"]).contains(&"hot".to_string()) },
                )
            }),
        },
        Row {
            key: "deleteArtifactCollectionTagAssignments",
            expect: MEMBERS,
            doc: "mutation($c: String!) { deleteArtifactCollectionTagAssignments(input: {entityName: \"ml\", projectName: \"p\", artifactCollectionName: $c, tags: [{tagName: \"cold\"}]}) { success } }",
            setup: |fx, _| {
                fut(async move {
                    let art = fx.new_artifact(true, &[]).await;
                    fx.as_owner(
                        "mutation($c: String!) { createArtifactCollectionTagAssignments(input: {entityName: \"ml\", projectName: \"p\", artifactCollectionName: $c, tags: [{tagName: \"cold\"}]}) { tags { name } } }",
                        json!({ "c": art.collection }),
                    )
                    .await;
                    Target::new(json!({ "c": art.collection })).probe(json!(art.sequence_id))
                })
            },
            judge: Effect(|fx, id| {
                fut(async move {
                    !names(&fx.collection(&id).await["tags"]).contains(&"cold".to_string())
                })
            }),
        },
    ]
}

fn has_alias(artifact: &Value, alias: &str) -> bool {
    artifact["aliases"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x["alias"] == alias))
}

// ----- running the table ----------------------------------------------------------

/// What an attempt got: an outcome, or an answer that is none of them.
#[derive(Debug, PartialEq)]
enum Seen {
    Is(Outcome),
    Odd(String),
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Seen::Is(outcome) => write!(f, "{outcome:?}"),
            Seen::Odd(what) => f.write_str(what),
        }
    }
}

/// At most `n` characters of an answer.
fn short(body: &Value, n: usize) -> String {
    let text = body.to_string();
    match text.char_indices().nth(n) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// An answer with the tokens that name its target replaced, and without
/// error locations, for comparison with the answer about its twin.
fn normalized(body: &Value, tokens: &[(String, String)]) -> String {
    let mut body = body.clone();
    if let Some(errors) = body["errors"].as_array_mut() {
        for error in errors {
            if let Some(error) = error.as_object_mut() {
                error.remove("locations");
            }
        }
    }
    let mut text = body.to_string();
    let mut tokens = tokens.to_vec();
    tokens.sort_by_key(|(real, _)| std::cmp::Reverse(real.len()));
    for (real, twin) in &tokens {
        text = replace_word(&text, real, twin);
    }
    text
}

/// Replace whole-word occurrences of `from` (not inside a longer word).
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (at, _) in text.match_indices(from) {
        let before = text[..at].chars().next_back();
        let after = text[at + from.len()..].chars().next();
        if !word(before) && !word(after) {
            out.push_str(&text[done..at]);
            out.push_str(to);
            done = at + from.len();
        }
    }
    out.push_str(&text[done..]);
    out
}

/// Run one (row, caller) attempt; a mismatch, described, if any.
async fn attempt(fx: Arc<Fx>, row: Row, who: Who) -> Option<String> {
    let expected = row.expected(who);
    let target = (row.setup)(fx.clone(), who).await;
    let (status, body) = fx.call(fx.key(who), row.doc, &target.vars).await;
    let seen = judge(&fx, &row, who, &target, status, &body).await;
    if std::env::var_os("CAIRN_AUTHZ_TRACE").is_some() {
        eprintln!("{} × {}: {seen} {}", row.key, who.name(), short(&body, 400));
    }
    (seen != Seen::Is(expected)).then(|| {
        format!(
            "{} × {}: expected {expected:?}, got {seen} (answer {})",
            row.key,
            who.name(),
            short(&body, 300)
        )
    })
}

async fn judge(
    fx: &Arc<Fx>,
    row: &Row,
    who: Who,
    target: &Target,
    status: u16,
    body: &Value,
) -> Seen {
    let error = &body["errors"][0];
    let code = error["extensions"]["code"].as_str().unwrap_or("");
    let seen = if status == 401 {
        Outcome::Unauth
    } else if status != 200 && error["extensions"]["httpStatus"] != json!(status) {
        // Only a status the error itself names (the automation mutations'
        // 404 and 409, which the official client reads) is not odd.
        return Seen::Odd(format!("HTTP {status}"));
    } else if !error.is_null() {
        if !matches!(code, "PERMISSION_DENIED" | "NOT_FOUND") {
            return Seen::Odd(format!("an error that is not a denial ({code:?})"));
        }
        Deny
    } else {
        let data = &body["data"];
        match row.judge {
            Judge::Shows(shows) => match shows(who, data) {
                Ok(true) => Allow,
                Ok(false) => Hidden,
                Err(why) => return Seen::Odd(why),
            },
            Judge::Effect(_) | Judge::Answers if data[row.field()].is_null() => {
                return Seen::Odd("no error, but a null answer".into());
            }
            Judge::Effect(_) | Judge::Answers => Allow,
        }
    };
    if let Judge::Effect(probe) = row.judge {
        let happened = probe(fx.clone(), target.probe.clone()).await;
        match seen {
            Allow if !happened => {
                return Seen::Odd("no error, but the change did not happen".into());
            }
            Deny | Outcome::Unauth if happened => {
                return Seen::Odd(format!("{seen:?}, but the change happened anyway"));
            }
            _ => {}
        }
    }
    if matches!(seen, Deny | Hidden) {
        let text = body.to_string();
        if let Some(secret) = target.secrets.iter().find(|s| text.contains(s.as_str())) {
            return Seen::Odd(format!("{seen:?}, but the answer shows {secret:?}"));
        }
        if target.not_found && seen == Deny && code != "NOT_FOUND" {
            return Seen::Odd(format!(
                "Deny as {code}, which tells the caller it exists (expected NOT_FOUND)"
            ));
        }
        if let Some((vars, tokens)) = &target.twin {
            let (_, twin) = fx.call(fx.key(who), row.doc, vars).await;
            if normalized(body, tokens) != normalized(&twin, &[]) {
                return Seen::Odd(format!(
                    "{seen:?}, but unlike the answer about one that does not exist ({})",
                    short(&twin, 300)
                ));
            }
        }
    }
    Seen::Is(seen)
}

/// The fields of the schema's query and mutation types: ("Query", name).
fn schema_fields() -> Vec<(String, String)> {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema/cairn.graphql");
    let sdl = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let document = async_graphql::parser::parse_schema(&sdl).expect("the committed schema parses");
    let mut roots = vec!["Query".to_string(), "Mutation".to_string()];
    for definition in &document.definitions {
        if let TypeSystemDefinition::Schema(schema) = definition {
            roots = [&schema.node.query, &schema.node.mutation]
                .into_iter()
                .flatten()
                .map(|name| name.node.to_string())
                .collect();
        }
    }
    let mut fields = Vec::new();
    for definition in &document.definitions {
        if let TypeSystemDefinition::Type(ty) = definition
            && roots.contains(&ty.node.name.node.to_string())
            && let TypeKind::Object(object) = &ty.node.kind
        {
            for field in &object.fields {
                fields.push((
                    ty.node.name.node.to_string(),
                    field.node.name.node.to_string(),
                ));
            }
        }
    }
    assert!(
        roots
            .iter()
            .all(|root| fields.iter().any(|(t, _)| t == root)),
        "{path} has no fields for one of {roots:?}"
    );
    fields
}

#[test]
fn every_schema_field_has_a_row() {
    let fields = schema_fields();
    let rows = rows();
    let mut problems = Vec::new();
    for (root, field) in &fields {
        if !rows.iter().any(|r| r.field() == field) {
            problems.push(format!(
                "{root}.{field} has no row in the authorization table"
            ));
        }
    }
    for row in &rows {
        match fields.iter().find(|(_, f)| f == row.field()) {
            None => problems.push(format!(
                "row {:?} is for {:?}, which the schema no longer has",
                row.key,
                row.field()
            )),
            Some((root, field)) => {
                let mutation = row.doc.trim_start().starts_with("mutation");
                let calls = row.doc.contains(&format!("{field}("))
                    || row.doc.contains(&format!("{field} {{"));
                if mutation != (root == "Mutation") || !calls {
                    problems.push(format!(
                        "row {:?} does not exercise {root}.{field}: {}",
                        row.key, row.doc
                    ));
                }
            }
        }
    }
    let mut keys: Vec<_> = rows.iter().map(|r| r.key).collect();
    keys.sort_unstable();
    for pair in keys.windows(2) {
        if pair[0] == pair[1] {
            problems.push(format!("two rows are keyed {:?}", pair[0]));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[tokio::test]
async fn every_caller_gets_what_the_rules_say() {
    let started = Instant::now();
    let fx = Arc::new(Fx::new().await);
    let rows = rows();
    let attempts = rows.len() * CALLERS.len();
    // One attempt at a time. Concurrent attempts would be faster, but the
    // server then sometimes answers a run update with an internal error
    // (SQLite "database is locked", code 517: a write outside the single
    // writer connection invalidated the snapshot of a transaction that read
    // before it wrote), which is not what this table is about.
    let mut mismatches = Vec::new();
    for row in rows {
        for who in CALLERS {
            mismatches.extend(attempt(fx.clone(), row, who).await);
        }
    }
    eprintln!(
        "authorization table: {attempts} attempts in {:.1?}",
        started.elapsed()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {attempts} attempts disagree with the rules:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
