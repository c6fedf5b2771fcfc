//! The simulated TSDB: an in-memory store of series appended in time order by a scraper.

mod matcher;
mod openmetrics;
mod time_column;

use std::collections::BTreeMap;

pub use matcher::{LabelMatcher, MatchOp, compile_anchored};

use crate::promql::labels::Labels;
use time_column::TimeColumn;

/// The bit pattern Prometheus writes as a staleness marker (a NaN distinct from `f64::NAN`).
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// The staleness marker value.
pub fn stale_nan() -> f64 {
    f64::from_bits(STALE_NAN_BITS)
}

/// Converts a series index or rank to the index's integer type.
fn to_u32(i: usize) -> u32 {
    // A store of four billion series does not fit in memory long before this saturates.
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Whether `v` is the staleness marker (compared by bits: an ordinary NaN is not stale).
pub fn is_stale(v: f64) -> bool {
    v.to_bits() == STALE_NAN_BITS
}

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A sample is older than the newest sample of its series.
    #[error("out of order sample for series {labels}: {timestamp_ms} ms is before {last_ms} ms")]
    OutOfOrder {
        /// The series.
        labels: Labels,
        /// The rejected sample's timestamp.
        timestamp_ms: i64,
        /// The newest timestamp already stored.
        last_ms: i64,
    },
    /// A regex matcher does not compile.
    #[error("invalid regular expression {pattern:?}")]
    InvalidRegex {
        /// The pattern as written.
        pattern: String,
        /// The regex crate's error.
        #[source]
        source: regex::Error,
    },
    /// Writing an export failed.
    #[error("writing the openmetrics export failed")]
    Io(#[from] std::io::Error),
}

/// One stored series: its labels and its samples in time order.
#[derive(Debug, Clone)]
pub struct Series {
    /// The label set, `__name__` included.
    pub labels: Labels,
    timestamps: TimeColumn,
    values: Vec<f64>,
}

impl Series {
    /// The number of samples (staleness markers included).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the series has no samples.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The `i`-th sample `(timestamp_ms, value)`; `None` past the end.
    pub fn sample(&self, i: usize) -> Option<(i64, f64)> {
        let v = *self.values.get(i)?;
        Some((self.timestamps.get(i), v))
    }

    /// The newest sample at or before `t`, staleness markers included.
    pub fn last_at_or_before(&self, t: i64) -> Option<(i64, f64)> {
        let n = self.timestamps.count_le(t);
        n.checked_sub(1).and_then(|i| self.sample(i))
    }

    /// The index range of samples with `start <= t <= end` (staleness markers included).
    pub fn range_indices(&self, start: i64, end: i64) -> std::ops::Range<usize> {
        let lo = self.timestamps.count_le(start.saturating_sub(1));
        let hi = self.timestamps.count_le(end);
        lo..hi.max(lo)
    }

    /// The samples with indices in `range`, oldest first.
    pub fn samples(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = (i64, f64)> + '_ {
        let end = range.end.min(self.values.len());
        (range.start.min(end)..end).map(|i| (self.timestamps.get(i), self.values[i]))
    }

    /// Heap bytes used by this series.
    pub fn heap_bytes(&self) -> usize {
        self.labels.heap_bytes()
            + self.timestamps.heap_bytes()
            + self.values.capacity() * std::mem::size_of::<f64>()
    }
}

/// An in-memory time-series store.
///
/// # Guarantees
///
/// Iteration order is the label-set order, so selections are deterministic.
#[derive(Debug, Clone, Default)]
pub struct Store {
    series: Vec<Series>,
    by_labels: BTreeMap<Labels, usize>,
    /// Series ids (ascending) per `(label name, value)` pair: the inverted index.
    postings: BTreeMap<(String, String), Vec<u32>>,
    /// The position of each series id in label order, so selections sort by an integer; only
    /// valid when `ranks_stale` is clear.
    ranks: Vec<u32>,
    /// Series were added since the ranks were last computed: selections sort by label set
    /// instead, which gives the same order.
    ranks_stale: bool,
    /// One shared copy of every label name and value.
    strings: std::collections::BTreeSet<std::sync::Arc<str>>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one sample to the series `labels`, creating it when new.
    ///
    /// # Errors
    ///
    /// [`StorageError::OutOfOrder`] when `timestamp_ms` is older than the series' newest sample.
    /// A sample with the same timestamp as the newest one replaces it.
    pub fn append(
        &mut self,
        labels: &Labels,
        timestamp_ms: i64,
        value: f64,
    ) -> Result<(), StorageError> {
        let id = self.series_id(labels);
        let series = &mut self.series[id];
        match series.timestamps.last() {
            Some(last) if last > timestamp_ms => {
                return Err(StorageError::OutOfOrder {
                    labels: labels.clone(),
                    timestamp_ms,
                    last_ms: last,
                });
            }
            Some(last) if last == timestamp_ms => {
                if let Some(v) = series.values.last_mut() {
                    *v = value;
                }
            }
            _ => {
                series.timestamps.push(timestamp_ms);
                series.values.push(value);
            }
        }
        Ok(())
    }

    /// Appends a staleness marker: the series is not returned after `timestamp_ms` until it gets
    /// a new sample.
    ///
    /// # Errors
    ///
    /// As [`Store::append`].
    pub fn append_stale(&mut self, labels: &Labels, timestamp_ms: i64) -> Result<(), StorageError> {
        self.append(labels, timestamp_ms, stale_nan())
    }

    /// The index of the series `labels`, creating it (empty) when new. A scraper that appends
    /// to the same series every interval keeps the index and uses [`Store::append_at`].
    pub fn series_index(&mut self, labels: &Labels) -> usize {
        self.series_id(labels)
    }

    /// Appends one sample to the series at `index` (from [`Store::series_index`]); an older
    /// timestamp than the newest sample is ignored, an equal one replaces it.
    pub fn append_at(&mut self, index: usize, timestamp_ms: i64, value: f64) {
        let Some(series) = self.series.get_mut(index) else {
            return;
        };
        match series.timestamps.last() {
            Some(last) if last > timestamp_ms => {}
            Some(last) if last == timestamp_ms => {
                if let Some(v) = series.values.last_mut() {
                    *v = value;
                }
            }
            _ => {
                series.timestamps.push(timestamp_ms);
                series.values.push(value);
            }
        }
    }

    fn series_id(&mut self, labels: &Labels) -> usize {
        if let Some(&id) = self.by_labels.get(labels) {
            return id;
        }
        let id = self.series.len();
        let strings = &mut self.strings;
        let owned = labels.interned(|text| match strings.get(text) {
            Some(shared) => shared.clone(),
            None => {
                let shared: std::sync::Arc<str> = std::sync::Arc::from(text);
                strings.insert(shared.clone());
                shared
            }
        });
        self.series.push(Series {
            labels: owned,
            timestamps: TimeColumn::default(),
            values: Vec::new(),
        });
        // Ids stay in insertion order; ranks give the label order. A new series shifts the
        // ranks after it: they are computed again by `refresh_ranks`, once for a whole scrape
        // of new series rather than once per series.
        self.ranks_stale = true;
        self.by_labels.insert(self.series[id].labels.clone(), id);
        for (n, v) in labels.iter() {
            self.postings
                .entry((n.to_string(), v.to_string()))
                .or_default()
                .push(to_u32(id));
        }
        id
    }

    /// Computes the label-order rank of every series again, if series were added since the
    /// last time. Selections give the same order either way; with fresh ranks they sort by an
    /// integer rather than by label set. A writer calls this after a batch of appends (the
    /// scraper after every scrape).
    pub fn refresh_ranks(&mut self) {
        if !self.ranks_stale {
            return;
        }
        self.ranks.clear();
        self.ranks.resize(self.series.len(), 0);
        for (rank, &id) in self.by_labels.values().enumerate() {
            self.ranks[id] = to_u32(rank);
        }
        self.ranks_stale = false;
    }

    /// Removes every series.
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// The number of series.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Whether the store holds no series.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// All series in label order.
    pub fn iter(&self) -> impl Iterator<Item = &Series> {
        self.by_labels.values().map(|&id| &self.series[id])
    }

    /// The series whose labels satisfy every matcher, in label order.
    ///
    /// Equality matchers with a non-empty value are answered from the inverted index; the
    /// other matchers filter the remaining candidates.
    pub fn select(&self, matchers: &[LabelMatcher]) -> Vec<&Series> {
        let mut lists: Vec<&[u32]> = Vec::new();
        for m in matchers {
            if let Some(v) = m.equal_value().filter(|v| !v.is_empty()) {
                match self.postings.get(&(m.name.clone(), v.to_string())) {
                    Some(ids) => lists.push(ids),
                    None => return Vec::new(),
                }
            }
        }
        lists.sort_by_key(|l| l.len());
        let mut ids: Vec<u32> = match lists.split_first() {
            Some((first, rest)) => first
                .iter()
                .copied()
                .filter(|id| rest.iter().all(|l| l.binary_search(id).is_ok()))
                .collect(),
            None => (0..self.series.len()).map(to_u32).collect(),
        };
        ids.retain(|&id| {
            let labels = &self.series[id as usize].labels;
            matchers
                .iter()
                .filter(|m| m.equal_value().is_none_or(str::is_empty))
                .all(|m| m.matches(labels))
        });
        if self.ranks_stale {
            ids.sort_unstable_by(|&a, &b| {
                self.series[a as usize]
                    .labels
                    .cmp(&self.series[b as usize].labels)
            });
        } else {
            ids.sort_unstable_by_key(|&id| self.ranks[id as usize]);
        }
        ids.into_iter()
            .map(|id| &self.series[id as usize])
            .collect()
    }

    /// The series that have at least one non-stale sample with `start <= t <= end`.
    pub fn select_in_range(&self, matchers: &[LabelMatcher], start: i64, end: i64) -> Vec<&Series> {
        let mut out = self.select(matchers);
        out.retain(|s| {
            let r = s.range_indices(start, end);
            s.values[r].iter().any(|v| !is_stale(*v))
        });
        out
    }

    /// Shrinks every series' sample vectors to their length and computes the ranks (after a
    /// bulk load).
    pub fn shrink_to_fit(&mut self) {
        self.refresh_ranks();
        for s in &mut self.series {
            s.timestamps.shrink_to_fit();
            s.values.shrink_to_fit();
        }
    }

    /// Total heap bytes of the series: samples, label lists and the shared label text once
    /// (the lookup indexes are not counted).
    pub fn heap_bytes(&self) -> usize {
        let series: usize = self
            .series
            .iter()
            .map(|s| {
                s.labels.list_bytes()
                    + s.timestamps.heap_bytes()
                    + s.values.capacity() * std::mem::size_of::<f64>()
            })
            .sum();
        series
            + self
                .strings
                .iter()
                .map(crate::promql::labels::text_bytes)
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn up(instance: &str) -> Labels {
        Labels::from_pairs([("__name__", "up"), ("instance", instance)])
    }

    #[test]
    fn out_of_order_samples_are_rejected() {
        let mut s = Store::new();
        s.append(&up("a"), 10, 1.0).unwrap();
        assert!(s.append(&up("a"), 5, 1.0).is_err());
    }

    #[test]
    fn select_uses_every_matcher() {
        let mut s = Store::new();
        s.append(&up("a"), 0, 1.0).unwrap();
        s.append(&up("b"), 0, 1.0).unwrap();
        let m = [
            LabelMatcher::equal("__name__", "up"),
            LabelMatcher::regex("instance", "b").unwrap(),
        ];
        let got = s.select(&m);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].labels.get("instance"), Some("b"));
    }

    #[test]
    fn selections_are_in_label_order_with_stale_and_fresh_ranks() {
        let mut s = Store::new();
        for instance in ["c", "a", "d", "b"] {
            s.append(&up(instance), 0, 1.0).unwrap();
        }
        let m = [LabelMatcher::equal("__name__", "up")];
        let order = |s: &Store| -> Vec<String> {
            s.select(&m)
                .iter()
                .map(|x| x.labels.value("instance").to_string())
                .collect()
        };
        assert_eq!(order(&s), ["a", "b", "c", "d"]);
        s.refresh_ranks();
        assert_eq!(order(&s), ["a", "b", "c", "d"]);
        s.append(&up("bb"), 0, 1.0).unwrap();
        assert_eq!(order(&s), ["a", "b", "bb", "c", "d"]);
        s.refresh_ranks();
        assert_eq!(order(&s), ["a", "b", "bb", "c", "d"]);
    }

    #[test]
    fn stale_marker_is_recognised_by_bits() {
        assert!(is_stale(stale_nan()));
        assert!(!is_stale(f64::NAN));
    }
}
