//! Artifacts: versioned, content-addressed bundles of files.
//!
//! An artifact is logged into a *sequence* (a collection named after it) and
//! gets a version index there at commit (`v0`, `v1`, …). It can also be
//! linked into *portfolios* (registry collections), getting a version index
//! in each. Each such place is a [`Membership`]; aliases (`latest`, `best`)
//! belong to a membership, and a collection's alias names one membership at
//! a time.
//!
//! File bytes are stored once per instance, named by their MD5 (the digest
//! W&B's client computes for every file). An artifact's entries point at
//! blobs by digest, so versions that share files share storage, and a blob is
//! deleted only when no entry names it any more.

use time::OffsetDateTime;

/// The alias every collection moves to its newest version.
///
/// The rule, which the store keeps inside the transaction that changes a
/// collection: a committed version gets `latest` in its sequence
/// ([`commit_aliases`]); a new link gets it in the portfolio
/// ([`link_aliases`]); when the version holding it is deleted, it passes to
/// the remaining version with the highest index. Clients cannot set or
/// remove it themselves.
pub const LATEST: &str = "latest";

/// The index of a collection's first version (`v0`).
///
/// Version numbering: each collection keeps a counter that starts here.
/// Committing a version into its sequence, or linking it into a portfolio,
/// takes the counter's value as the version's index and advances it
/// ([`take_version_index`]), so indices count up in the order versions
/// arrived and are never reused, even after a version is deleted. The store
/// reads and advances the counter inside the commit's (or link's)
/// `BEGIN IMMEDIATE` transaction, which is what keeps two concurrent
/// commits from taking one index; its schema starts the counter at this
/// value.
pub const FIRST_VERSION_INDEX: i64 = 0;

/// The index the next version of a collection gets from its counter, and
/// the counter's value afterwards (see [`FIRST_VERSION_INDEX`]).
pub fn take_version_index(counter: i64) -> (i64, i64) {
    (counter, counter + 1)
}

/// The aliases a version holds once committed: those asked for when it was
/// created, then [`LATEST`] (it is now the newest).
pub fn commit_aliases(mut pending: Vec<String>) -> Vec<String> {
    pending.push(LATEST.to_string());
    pending
}

/// The aliases a link gives: those asked for, plus [`LATEST`] when the link
/// is new (the version is then the portfolio's newest). Linking a version
/// again keeps its index and leaves `latest` where it is.
pub fn link_aliases(requested: &[String], new_link: bool) -> Vec<String> {
    let mut aliases = requested.to_vec();
    if new_link {
        aliases.push(LATEST.to_string());
    }
    aliases
}

/// Longest alias or tag.
pub const MAX_LABEL: usize = 128;

/// Lifecycle of a logged artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArtifactState {
    /// Created; files may still be uploading.
    Pending,
    /// Committed: complete, immutable, versioned.
    Committed,
}

impl ArtifactState {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactState::Pending => "PENDING",
            ArtifactState::Committed => "COMMITTED",
        }
    }

    /// Parse the database spelling.
    pub fn parse(s: &str) -> Self {
        if s == "COMMITTED" {
            ArtifactState::Committed
        } else {
            ArtifactState::Pending
        }
    }
}

/// A kind of collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionKind {
    /// Versions logged under one name.
    Sequence,
    /// Versions linked in (registry collections).
    Portfolio,
}

impl CollectionKind {
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CollectionKind::Sequence => "SEQUENCE",
            CollectionKind::Portfolio => "PORTFOLIO",
        }
    }

    /// Parse the database spelling.
    pub fn parse(s: &str) -> Self {
        if s == "PORTFOLIO" {
            CollectionKind::Portfolio
        } else {
            CollectionKind::Sequence
        }
    }
}

/// An artifact type of a project (`dataset`, `model`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactType {
    /// Row id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// Unique within the project.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// When it was first used.
    pub created_at: OffsetDateTime,
}

/// A sequence or portfolio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// Row id.
    pub id: i64,
    /// The project.
    pub project_id: i64,
    /// Its artifact type.
    pub type_id: i64,
    /// The type's name.
    pub type_name: String,
    /// Unique within the project.
    pub name: String,
    /// Sequence or portfolio.
    pub kind: CollectionKind,
    /// Free text.
    pub description: Option<String>,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// Last change (a new version, an edit).
    pub updated_at: OffsetDateTime,
}

/// One logged artifact (a version, once committed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Row id.
    pub id: i64,
    /// The sequence it was logged into.
    pub sequence_id: i64,
    /// That sequence's name.
    pub sequence_name: String,
    /// The sequence's project.
    pub project_id: i64,
    /// The type's name.
    pub type_name: String,
    /// Pending or committed.
    pub state: ArtifactState,
    /// Hex MD5 of the manifest's contents.
    pub digest: String,
    /// Free text.
    pub description: Option<String>,
    /// JSON object text.
    pub metadata: String,
    /// The client's id for it, if given.
    pub client_id: Option<String>,
    /// The run that logged it.
    pub run_id: Option<i64>,
    /// The run's history step when it was logged.
    pub history_step: Option<i64>,
    /// Time to live, if set.
    pub ttl_seconds: Option<i64>,
    /// Base64 MD5 of its uploaded manifest.
    pub manifest_md5: Option<String>,
    /// How that manifest relates to other versions.
    pub manifest_kind: ManifestKind,
    /// The version an incremental manifest adds to.
    pub base_artifact_id: Option<i64>,
    /// Total bytes of its stored files.
    pub size: i64,
    /// Number of entries.
    pub file_count: i64,
    /// Version index in its sequence, once committed.
    pub version_index: Option<i64>,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// How a manifest relates to other versions (W&B's `ArtifactManifestType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ManifestKind {
    /// Lists every entry.
    #[default]
    Full,
    /// Adds to (and overrides) the entries of a base version.
    Incremental,
    /// One of several runs' parts of a distributed version, merged as it
    /// arrives.
    Patch,
}

impl ManifestKind {
    /// The stored (and wire) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Incremental => "INCREMENTAL",
            Self::Patch => "PATCH",
        }
    }

    /// From the stored name; anything unknown is a full manifest.
    pub fn parse(s: &str) -> Self {
        match s {
            "INCREMENTAL" => Self::Incremental,
            "PATCH" => Self::Patch,
            _ => Self::Full,
        }
    }
}

/// An artifact's place in a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// Row id.
    pub id: i64,
    /// The collection.
    pub collection_id: i64,
    /// The artifact.
    pub artifact_id: i64,
    /// Its version index in that collection.
    pub version_index: i64,
    /// Aliases it holds there, sorted.
    pub aliases: Vec<Alias>,
    /// When it joined the collection.
    pub created_at: OffsetDateTime,
}

/// An alias held by a membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    /// Row id.
    pub id: i64,
    /// The collection it names a version of.
    pub collection_id: i64,
    /// The alias.
    pub alias: String,
}

/// One file or reference of an artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path inside the artifact.
    pub path: String,
    /// Base64 MD5 for stored files (names the blob); the reference's
    /// checksum or URI for references.
    pub digest: String,
    /// Bytes, when known.
    pub size: Option<i64>,
    /// The URI, for references.
    pub reference: Option<String>,
    /// The id (as the client gave it) of the artifact that first stored it.
    pub birth_artifact_id: Option<String>,
    /// MIME type, when the client said.
    pub mimetype: Option<String>,
    /// Extra fields of the manifest entry (JSON), kept as given.
    pub extra: Option<String>,
}

/// What a client declares when it creates an artifact.
#[derive(Debug, Clone, Default)]
pub struct NewArtifact {
    /// The sequence's project.
    pub project_id: i64,
    /// Type name.
    pub type_name: String,
    /// Sequence name.
    pub collection_name: String,
    /// Hex MD5 of the manifest contents.
    pub digest: String,
    /// Free text.
    pub description: Option<String>,
    /// JSON object text.
    pub metadata: Option<String>,
    /// Aliases for the sequence, given at commit (plus `latest`).
    pub aliases: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// The client's id.
    pub client_id: Option<String>,
    /// The client's id of the sequence.
    pub sequence_client_id: Option<String>,
    /// The logging run.
    pub run_id: Option<i64>,
    /// History step.
    pub history_step: Option<i64>,
    /// Time to live.
    pub ttl_seconds: Option<i64>,
    /// Whether an identical latest version is returned instead of a new one.
    pub deduplicate: bool,
    /// The storage region the client asked for (W&B's multi-region
    /// buckets); Cairn has one, [`DEFAULT_STORAGE_REGION`].
    pub storage_region: Option<String>,
    /// Runs sharing this id write one pending version together
    /// (`run.upsert_artifact` / `finish_artifact`).
    pub distributed_id: Option<String>,
}

/// The one storage region of a Cairn instance, by the name the official
/// client uses for "the server's default" in its download URLs.
pub const DEFAULT_STORAGE_REGION: &str = "default";

/// Refuse a storage region this server does not have, before anything is
/// stored, as W&B refuses a region unavailable to the organization.
pub fn check_storage_region(region: Option<&str>) -> Result<(), crate::CoreError> {
    match region.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(()),
        Some(r) if r == DEFAULT_STORAGE_REGION => Ok(()),
        Some(r) => Err(crate::CoreError::InvalidInput(format!(
            "Storage region {r:?} is not available on this server; it keeps artifacts in one \
             region, {DEFAULT_STORAGE_REGION:?}. Leave storage_region unset."
        ))),
    }
}

/// A file a client is about to upload for a pending artifact.
#[derive(Debug, Clone)]
pub struct StagedFile {
    /// Path inside the artifact.
    pub path: String,
    /// Base64 MD5 of the bytes.
    pub md5: String,
    /// MIME type.
    pub mimetype: Option<String>,
}

/// What the store knows about a file just staged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StagedState {
    /// Its bytes are stored (by someone).
    pub stored: bool,
    /// A proven entry with its digest exists in the artifact's project, so
    /// whoever may write there may reference the bytes.
    pub proven_in_project: bool,
}

/// The order of a collection's versions in a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VersionOrder {
    /// Highest version index first: the default, as W&B lists them.
    #[default]
    NewestFirst,
    /// Lowest version index first.
    OldestFirst,
}

impl VersionOrder {
    /// W&B's `order` argument of `artifacts`: `[+|-]version_index` or
    /// `[+|-]created_at` (camel case too), ascending unless `-`. A version's
    /// index grows with its creation, so both name one order. None is the
    /// default, newest first.
    pub fn parse(order: Option<&str>) -> Result<Self, crate::CoreError> {
        let Some(order) = order.map(str::trim).filter(|o| !o.is_empty()) else {
            return Ok(Self::NewestFirst);
        };
        let (descending, field) = match order.as_bytes()[0] {
            b'-' => (true, &order[1..]),
            b'+' => (false, &order[1..]),
            _ => (false, order),
        };
        match field {
            "version_index" | "versionIndex" | "created_at" | "createdAt" => Ok(if descending {
                Self::NewestFirst
            } else {
                Self::OldestFirst
            }),
            _ => Err(crate::CoreError::InvalidInput(format!(
                "Cannot order versions by {field:?}; use version_index or created_at, \
                 with + (ascending, the default) or - (descending)."
            ))),
        }
    }
}

/// A page of memberships (with their artifacts, as the store lists them or
/// [`crate::authz::Readable`] ones as the domain hands them out).
#[derive(Debug, Clone, Default)]
pub struct VersionPage<A = Artifact> {
    /// Memberships and artifacts, in order.
    pub versions: Vec<(Membership, A)>,
    /// Whether more follow.
    pub has_next_page: bool,
}

/// Changes to an artifact's editable fields.
#[derive(Debug, Clone, Default)]
pub struct ArtifactPatch {
    /// New description.
    pub description: Option<String>,
    /// New metadata (JSON object text).
    pub metadata: Option<String>,
    /// Tags to add.
    pub tags_to_add: Vec<String>,
    /// Tags to remove.
    pub tags_to_delete: Vec<String>,
    /// New time to live (`-2`/negative: clear).
    pub ttl_seconds: Option<i64>,
}

/// Whether `s` is a version name (`v0`, `v12`); its index if so.
pub fn version_index(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('v')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Check an alias or tag: non-empty, at most [`MAX_LABEL`] characters, no
/// `/` or `:` (they separate path parts), and not a version name for aliases.
pub fn validate_label(kind: &str, label: &str) -> Result<(), String> {
    if label.is_empty() || label.chars().count() > MAX_LABEL {
        return Err(format!(
            "{kind} {label:?} must be 1 to {MAX_LABEL} characters."
        ));
    }
    if label.contains(['/', ':']) || label.chars().any(char::is_control) {
        return Err(format!(
            "{kind} {label:?} may not contain '/', ':' or control characters."
        ));
    }
    if kind == "Alias" && version_index(label).is_some() {
        return Err(format!(
            "Alias {label:?} looks like a version; version names cannot be aliases."
        ));
    }
    Ok(())
}

/// A role in a registry, weakest first (so `max` picks the strongest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RegistryRole {
    /// Reads only what is shared with them (treated as [`Self::Viewer`]).
    RestrictedViewer,
    /// Reads the registry.
    Viewer,
    /// Reads it and links, tags and edits versions in it.
    Member,
    /// A member who also manages the registry and its members.
    Admin,
}

impl RegistryRole {
    /// Every role, by its W&B name.
    pub const ALL: [RegistryRole; 4] = [
        RegistryRole::Admin,
        RegistryRole::Member,
        RegistryRole::Viewer,
        RegistryRole::RestrictedViewer,
    ];

    /// The W&B name (`admin`, `member`, `viewer`, `restricted_viewer`).
    pub fn as_str(self) -> &'static str {
        match self {
            RegistryRole::Admin => "admin",
            RegistryRole::Member => "member",
            RegistryRole::Viewer => "viewer",
            RegistryRole::RestrictedViewer => "restricted_viewer",
        }
    }

    /// The role a W&B name means (case-insensitive), if any.
    pub fn parse(name: &str) -> Option<RegistryRole> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether the role may change what the registry holds.
    pub fn may_write(self) -> bool {
        self >= RegistryRole::Member
    }
}

/// Who a registry membership is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryMemberRef {
    /// A user, by id.
    User(crate::model::UserId),
    /// A team, by entity id.
    Team(crate::model::EntityId),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_labels() {
        assert_eq!(version_index("v0"), Some(0));
        assert_eq!(version_index("v12"), Some(12));
        assert_eq!(version_index("v"), None);
        assert_eq!(version_index("vx"), None);
        assert_eq!(version_index("best"), None);
        assert!(validate_label("Alias", "best").is_ok());
        assert!(validate_label("Alias", "v3").is_err());
        assert!(validate_label("Tag", "a/b").is_err());
        assert!(validate_label("Tag", "").is_err());
    }

    #[test]
    fn versions_count_up_from_v0_and_latest_follows_the_newest() {
        let (first, counter) = take_version_index(FIRST_VERSION_INDEX);
        assert_eq!(first, 0);
        assert_eq!(take_version_index(counter), (1, 2));
        assert_eq!(
            commit_aliases(vec!["best".into()]),
            ["best".to_string(), LATEST.to_string()]
        );
        assert_eq!(link_aliases(&["prod".into()], true), ["prod", LATEST]);
        assert_eq!(link_aliases(&["prod".into()], false), ["prod"]);
    }

    #[test]
    fn registry_roles_by_name_and_strength() {
        for role in RegistryRole::ALL {
            assert_eq!(RegistryRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(RegistryRole::parse(" Viewer "), Some(RegistryRole::Viewer));
        assert_eq!(RegistryRole::parse("owner"), None);
        let strongest = [
            RegistryRole::Viewer,
            RegistryRole::Admin,
            RegistryRole::Member,
        ];
        assert_eq!(strongest.into_iter().max(), Some(RegistryRole::Admin));
        assert!(RegistryRole::Member.may_write());
        assert!(!RegistryRole::Viewer.may_write());
        assert!(!RegistryRole::RestrictedViewer.may_write());
    }
}
