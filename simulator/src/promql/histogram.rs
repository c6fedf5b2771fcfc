//! `histogram_quantile` over classic histograms (series with an `le` bucket label).

use std::collections::BTreeMap;

use crate::promql::labels::{Labels, METRIC_NAME};
use crate::promql::value::Sample;

/// The label that holds a bucket's upper bound.
const BUCKET_LABEL: &str = "le";

/// Differences smaller than this (relative) between adjacent buckets are treated as
/// floating-point noise and flattened.
const SMALL_DELTA_TOLERANCE: f64 = 1e-12;

/// Computes the `q` quantile of every classic histogram in `samples`; a histogram is the group
/// of series that differ only in `le` (and the metric name). Series without a parsable `le` are
/// ignored.
pub(crate) fn histogram_quantile(q: f64, samples: &[Sample], ts: i64) -> Vec<Sample> {
    let mut groups: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
    for s in samples {
        let Some(le) = s.labels.get(BUCKET_LABEL) else {
            continue;
        };
        let Some(bound) = parse_bound(le) else {
            continue;
        };
        let key = s
            .labels
            .drop_names(&[BUCKET_LABEL.to_string(), METRIC_NAME.to_string()]);
        groups.entry(key).or_default().push((bound, s.value));
    }
    groups
        .into_iter()
        .map(|(labels, mut buckets)| Sample {
            labels,
            value: bucket_quantile(q, &mut buckets),
            timestamp_ms: ts,
            drop_name: false,
        })
        .collect()
}

/// Parses an upper bound the way Go's `strconv.ParseFloat` accepts it.
fn parse_bound(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" | "+inf" | "inf" => Some(f64::INFINITY),
        "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
        _ => s.trim().parse::<f64>().ok(),
    }
}

/// Relative float comparison used to flatten tiny bucket differences.
fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    if a == b {
        return true;
    }
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < f64::MIN_POSITIVE {
        return diff < epsilon * f64::MIN_POSITIVE;
    }
    diff / abs_sum.min(f64::MAX) < epsilon
}

/// The quantile of one histogram given `(upper bound, cumulative count)` buckets.
pub(crate) fn bucket_quantile(q: f64, buckets: &mut [(f64, f64)]) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    match buckets.last() {
        Some(b) if b.0 == f64::INFINITY => {}
        _ => return f64::NAN,
    }

    // Merge buckets with the same bound (e.g. from series that differed only by name).
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for &(bound, count) in buckets.iter() {
        match merged.last_mut() {
            Some(last) if last.0 == bound => last.1 += count,
            _ => merged.push((bound, count)),
        }
    }
    ensure_monotonic(&mut merged);
    if merged.len() < 2 {
        return f64::NAN;
    }
    let observations = merged[merged.len() - 1].1;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    let b = merged[..merged.len() - 1].partition_point(|x| x.1 < rank);
    if b == merged.len() - 1 {
        return merged[merged.len() - 2].0;
    }
    if b == 0 && merged[0].0 <= 0.0 {
        return merged[0].0;
    }
    let (mut start, end, mut count) = (0.0, merged[b].0, merged[b].1);
    if b > 0 {
        start = merged[b - 1].0;
        count -= merged[b - 1].1;
        rank -= merged[b - 1].1;
    }
    start + (end - start) * (rank / count)
}

/// Removes decreases between adjacent cumulative counts and flattens tiny differences.
fn ensure_monotonic(buckets: &mut [(f64, f64)]) {
    let Some(first) = buckets.first() else {
        return;
    };
    let mut prev = first.1;
    for b in buckets.iter_mut().skip(1) {
        let curr = b.1;
        if curr == prev {
            continue;
        }
        if almost_equal(prev, curr, SMALL_DELTA_TOLERANCE) || curr < prev {
            b.1 = prev;
            continue;
        }
        prev = curr;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_interpolates_inside_the_bucket() {
        let mut b = vec![(1.0, 50.0), (2.0, 100.0), (f64::INFINITY, 100.0)];
        assert_eq!(bucket_quantile(0.75, &mut b), 1.5);
    }

    #[test]
    fn a_histogram_without_inf_bucket_is_nan() {
        let mut b = vec![(1.0, 50.0), (2.0, 100.0)];
        assert!(bucket_quantile(0.5, &mut b).is_nan());
    }

    #[test]
    fn no_observations_is_nan() {
        let mut b = vec![(1.0, 0.0), (f64::INFINITY, 0.0)];
        assert!(bucket_quantile(0.5, &mut b).is_nan());
    }
}
