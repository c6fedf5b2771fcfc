//! `histogram_quantile` over classic histograms (series with an `le` bucket label).

use std::collections::BTreeMap;

use crate::promql::labels::Labels;
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
    // The name stays in the key until the query ends, so two histograms that differ only by
    // name collide then, as in Prometheus.
    group_buckets(samples)
        .into_iter()
        .map(|(labels, mut buckets)| Sample {
            labels,
            value: bucket_quantile(q, &mut buckets),
            timestamp_ms: ts,
            drop_name: true,
        })
        .collect()
}

/// Computes for every classic histogram in `samples` the fraction of observations between
/// `lower` and `upper`, interpolating linearly inside buckets.
pub(crate) fn histogram_fraction(
    lower: f64,
    upper: f64,
    samples: &[Sample],
    ts: i64,
) -> Vec<Sample> {
    group_buckets(samples)
        .into_iter()
        .map(|(labels, mut buckets)| Sample {
            labels,
            value: bucket_fraction(lower, upper, &mut buckets),
            timestamp_ms: ts,
            drop_name: true,
        })
        .collect()
}

/// Groups bucket series into histograms keyed by their labels without `le`.
fn group_buckets(samples: &[Sample]) -> BTreeMap<Labels, Vec<(f64, f64)>> {
    let mut groups: BTreeMap<Labels, Vec<(f64, f64)>> = BTreeMap::new();
    for s in samples {
        let Some(bound) = s.labels.get(BUCKET_LABEL).and_then(parse_bound) else {
            continue;
        };
        let key = s.labels.drop_names(&[BUCKET_LABEL.to_string()]);
        groups.entry(key).or_default().push((bound, s.value));
    }
    groups
}

/// Sorts buckets, requires a `+Inf` bucket and merges equal bounds; `None` when unusable.
fn prepare(buckets: &mut [(f64, f64)]) -> Option<Vec<(f64, f64)>> {
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    match buckets.last() {
        Some(b) if b.0 == f64::INFINITY => {}
        _ => return None,
    }
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(buckets.len());
    for &(bound, count) in buckets.iter() {
        match merged.last_mut() {
            Some(last) if last.0 == bound => last.1 += count,
            _ => merged.push((bound, count)),
        }
    }
    ensure_monotonic(&mut merged);
    Some(merged)
}

/// The fraction of observations in `[lower, upper]` of one histogram.
fn bucket_fraction(lower: f64, upper: f64, buckets: &mut [(f64, f64)]) -> f64 {
    let Some(buckets) = prepare(buckets) else {
        return f64::NAN;
    };
    let count = buckets[buckets.len() - 1].1;
    if count == 0.0 || lower.is_nan() || upper.is_nan() {
        return f64::NAN;
    }
    if lower >= upper {
        return 0.0;
    }
    let (mut rank, mut lower_rank, mut upper_rank) = (0.0, 0.0, 0.0);
    let (mut lower_set, mut upper_set) = (false, false);
    for (i, &(upper_bound, bucket_count)) in buckets.iter().enumerate() {
        let lower_bound = if i == 0 {
            if upper_bound > 0.0 {
                0.0
            } else {
                f64::NEG_INFINITY
            }
        } else {
            buckets[i - 1].0
        };
        // Infinitely wide buckets are not interpolated: their observations sit at the finite
        // edge.
        let interpolate = |v: f64| {
            if lower_bound == f64::NEG_INFINITY {
                bucket_count
            } else if upper_bound == f64::INFINITY {
                rank
            } else {
                rank + (bucket_count - rank) * (v - lower_bound) / (upper_bound - lower_bound)
            }
        };
        if !lower_set && lower_bound >= lower {
            lower_rank = rank;
            lower_set = true;
        }
        if !upper_set && lower_bound >= upper {
            upper_rank = rank;
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        if !lower_set && lower_bound < lower && upper_bound > lower {
            lower_rank = interpolate(lower);
            lower_set = true;
        }
        if !upper_set && lower_bound < upper && upper_bound > upper {
            upper_rank = interpolate(upper);
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        rank = bucket_count;
    }
    if !lower_set || lower_rank > count {
        lower_rank = count;
    }
    if !upper_set || upper_rank > count {
        upper_rank = count;
    }
    (upper_rank - lower_rank) / count
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
    let Some(merged) = prepare(buckets) else {
        return f64::NAN;
    };
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
