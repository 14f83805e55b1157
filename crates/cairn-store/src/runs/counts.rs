//! Remembered run counts.
//!
//! The official client asks for `runCount(filters)` with every page of
//! runs, so paging through 2,000 runs 50 at a time would count the same
//! matches 40 times; a count is the one part of a search that must look at
//! every matching run. Counts are kept per (project, filter) and tagged
//! with the project's write generation: any write to a run of the project
//! (or a crash sweep, which touches every project) starts a new generation,
//! and a count from an older one is never used. A count is tagged with the
//! generation read *before* it ran, so a write racing the count makes it
//! stale rather than wrong.

use std::collections::HashMap;
use std::sync::Mutex;

/// Most counts kept; beyond this the cache starts over.
const MAX_ENTRIES: usize = 1024;

/// What a count is for: project, filter text, whether sweeps are included.
type Key = (i64, String, bool);

#[derive(Default)]
pub(crate) struct CountCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Bumped by writes that may touch any project.
    epoch: u64,
    generations: HashMap<i64, u64>,
    counts: HashMap<Key, (Generation, i64)>,
}

/// A project's generation: (global epoch, project counter).
pub(super) type Generation = (u64, u64);

impl CountCache {
    /// The current generation of a project.
    pub(super) fn generation(&self, project_id: i64) -> Generation {
        self.with(|inner| {
            (
                inner.epoch,
                inner.generations.get(&project_id).copied().unwrap_or(0),
            )
        })
        .unwrap_or((u64::MAX, u64::MAX))
    }

    /// A count still valid for the project's current generation.
    pub(super) fn get(&self, key: &Key) -> Option<i64> {
        let current = self.generation(key.0);
        self.with(|inner| match inner.counts.get(key) {
            Some((generation, count)) if *generation == current => Some(*count),
            _ => None,
        })
        .flatten()
    }

    /// Remember a count taken at `generation`.
    pub(super) fn put(&self, key: Key, generation: Generation, count: i64) {
        self.with(|inner| {
            if inner.counts.len() >= MAX_ENTRIES {
                inner.counts.clear();
            }
            inner.counts.insert(key, (generation, count));
        });
    }

    /// A run of `project_id` changed.
    pub(super) fn bump(&self, project_id: i64) {
        self.with(|inner| *inner.generations.entry(project_id).or_insert(0) += 1);
    }

    /// Runs of any project may have changed.
    pub(super) fn bump_all(&self) {
        self.with(|inner| inner.epoch += 1);
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> Option<T> {
        // A poisoned lock only means another thread panicked mid-update of
        // a cache; answering "not cached" is always safe.
        self.inner.lock().ok().map(|mut inner| f(&mut inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_to_the_project_invalidates_its_counts_only() {
        let cache = CountCache::default();
        let key = |p: i64| (p, "{}".to_string(), true);
        cache.put(key(1), cache.generation(1), 10);
        cache.put(key(2), cache.generation(2), 20);
        assert_eq!(cache.get(&key(1)), Some(10));
        cache.bump(1);
        assert_eq!(cache.get(&key(1)), None);
        assert_eq!(cache.get(&key(2)), Some(20));
        cache.bump_all();
        assert_eq!(cache.get(&key(2)), None);
    }

    #[test]
    fn a_count_taken_before_a_write_is_never_served_after_it() {
        let cache = CountCache::default();
        let before = cache.generation(1);
        cache.bump(1); // a write lands while the count runs
        cache.put((1, "{}".into(), true), before, 5);
        assert_eq!(cache.get(&(1, "{}".into(), true)), None);
    }
}
