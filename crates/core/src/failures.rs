//! Why items failed: a worker keeps, for each kind of failure, how many items
//! failed that way and the first message, so a run's report can say what went
//! wrong and not only how often.
//!
//! A kind is the part of a [`StageError`]'s reason before its first `": "`
//! ([`StageError::kind`]): `injected fault`, `cannot write the gallery (No space
//! left on device)`. Recording happens only on the failure path, so it may take a
//! lock and read the clock.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::stages::StageError;

/// The failures of one kind in one stage: how many, and the first one's message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureKind {
    /// What kind of failure: the reason's text before its first `": "`.
    pub kind: String,
    /// How many items failed this way.
    pub count: u64,
    /// The first such failure's full message, naming stage and item.
    pub first: String,
}

/// One kind as a worker saw it: with when its first failure happened, to merge
/// the workers of a stage in order.
#[derive(Debug)]
struct Entry {
    first_at: Instant,
    failure: FailureKind,
}

#[derive(Debug, Default)]
struct Inner {
    kinds: Vec<Entry>,
    last_at: Option<Instant>,
}

/// One worker's failures by kind. Written by its worker only, read after the run.
#[derive(Debug, Default)]
pub struct FailureLog {
    inner: Mutex<Inner>,
}

impl FailureLog {
    /// Notes that `error` made an item fail.
    pub fn record(&self, error: &StageError) {
        let now = Instant::now();
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.last_at = Some(now);
        let kind = error.kind();
        match inner.kinds.iter_mut().find(|e| e.failure.kind == kind) {
            Some(entry) => entry.failure.count += 1,
            None => inner.kinds.push(Entry {
                first_at: now,
                failure: FailureKind {
                    kind: kind.to_string(),
                    count: 1,
                    first: error.to_string(),
                },
            }),
        }
    }

    /// When this worker's last failure happened, if it had any.
    pub fn last_at(&self) -> Option<Instant> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last_at
    }
}

/// Merges the logs of a stage's workers: one entry per kind, counts added, the
/// message of the earliest failure of each kind kept; kinds in the order they
/// first happened.
pub fn merge<'a>(logs: impl IntoIterator<Item = &'a FailureLog>) -> Vec<FailureKind> {
    let mut merged: Vec<(Instant, FailureKind)> = Vec::new();
    for log in logs {
        let inner = log.inner.lock().unwrap_or_else(PoisonError::into_inner);
        for entry in &inner.kinds {
            match merged
                .iter_mut()
                .find(|(_, f)| f.kind == entry.failure.kind)
            {
                Some((first_at, failure)) => {
                    failure.count += entry.failure.count;
                    if entry.first_at < *first_at {
                        *first_at = entry.first_at;
                        failure.first = entry.failure.first.clone();
                    }
                }
                None => merged.push((entry.first_at, entry.failure.clone())),
            }
        }
    }
    merged.sort_by_key(|(first_at, _)| *first_at);
    merged.into_iter().map(|(_, failure)| failure).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Stage;

    fn error(item: u64, reason: &str) -> StageError {
        StageError {
            stage: Stage::Upload,
            item,
            reason: reason.into(),
        }
    }

    #[test]
    fn failures_are_counted_by_kind_with_the_first_message() {
        let (a, b) = (FailureLog::default(), FailureLog::default());
        a.record(&error(3, "injected fault"));
        b.record(&error(
            4,
            "cannot write the gallery (No space left on device): /g/000004.png",
        ));
        b.record(&error(5, "injected fault"));
        a.record(&error(
            6,
            "cannot write the gallery (No space left on device): /g/000006.png",
        ));
        let merged = merge([&a, &b]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].kind, "injected fault");
        assert_eq!(merged[0].count, 2);
        assert_eq!(
            merged[0].first,
            "the upload stage failed on item 3: injected fault"
        );
        assert_eq!(
            merged[1].kind,
            "cannot write the gallery (No space left on device)"
        );
        assert_eq!(merged[1].count, 2);
        assert!(merged[1].first.contains("item 4"), "{}", merged[1].first);
        assert!(a.last_at().is_some() && FailureLog::default().last_at().is_none());
    }
}
