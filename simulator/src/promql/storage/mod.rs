//! The simulated TSDB: an in-memory store of series appended in time order by a scraper.

mod matcher;
mod openmetrics;

use std::collections::BTreeMap;

pub use matcher::{LabelMatcher, MatchOp, compile_anchored};

use crate::promql::labels::Labels;

/// The bit pattern Prometheus writes as a staleness marker (a NaN distinct from `f64::NAN`).
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// The staleness marker value.
pub fn stale_nan() -> f64 {
    f64::from_bits(STALE_NAN_BITS)
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
    timestamps: Vec<i64>,
    values: Vec<f64>,
}

impl Series {
    /// Timestamps (ms) in increasing order.
    pub fn timestamps(&self) -> &[i64] {
        &self.timestamps
    }

    /// Values, index-aligned with [`Series::timestamps`]; staleness markers included.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The index range of samples with `start <= t <= end` (staleness markers included).
    pub fn range_indices(&self, start: i64, end: i64) -> std::ops::Range<usize> {
        let lo = self.timestamps.partition_point(|&t| t < start);
        let hi = self.timestamps.partition_point(|&t| t <= end);
        lo..hi.max(lo)
    }

    /// Heap bytes used by this series.
    pub fn heap_bytes(&self) -> usize {
        self.labels.heap_bytes()
            + self.timestamps.capacity() * std::mem::size_of::<i64>()
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
    by_name: BTreeMap<String, Vec<usize>>,
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
        match series.timestamps.last().copied() {
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

    fn series_id(&mut self, labels: &Labels) -> usize {
        if let Some(&id) = self.by_labels.get(labels) {
            return id;
        }
        let id = self.series.len();
        let mut owned = labels.clone();
        owned.shrink_to_fit();
        self.series.push(Series {
            labels: owned,
            timestamps: Vec::new(),
            values: Vec::new(),
        });
        self.by_labels.insert(labels.clone(), id);
        let name = labels.metric_name().unwrap_or("").to_string();
        self.by_name.entry(name).or_default().push(id);
        id
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
    /// An equality matcher on `__name__` narrows the scan to that metric name.
    pub fn select(&self, matchers: &[LabelMatcher]) -> Vec<&Series> {
        let name = matchers
            .iter()
            .find(|m| m.name == crate::promql::labels::METRIC_NAME)
            .and_then(|m| m.equal_value());
        let mut out: Vec<&Series> = match name {
            Some(n) => self
                .by_name
                .get(n)
                .map(|ids| ids.iter().map(|&id| &self.series[id]).collect())
                .unwrap_or_default(),
            None => self.series.iter().collect(),
        };
        out.retain(|s| matchers.iter().all(|m| m.matches(&s.labels)));
        out.sort_by(|a, b| a.labels.cmp(&b.labels));
        out
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

    /// Shrinks every series' sample vectors to their length (after a bulk load).
    pub fn shrink_to_fit(&mut self) {
        for s in &mut self.series {
            s.timestamps.shrink_to_fit();
            s.values.shrink_to_fit();
        }
    }

    /// Total heap bytes of the series (labels and samples; the indexes are not counted).
    pub fn heap_bytes(&self) -> usize {
        self.series.iter().map(Series::heap_bytes).sum()
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
    fn stale_marker_is_recognised_by_bits() {
        assert!(is_stale(stale_nan()));
        assert!(!is_stale(f64::NAN));
    }
}
