//! Functions over range vectors: `rate` and its relatives, `deriv`, and the `*_over_time` family.

use crate::promql::engine::{RangeArg, Semantics};
use crate::promql::error::EngineError;
use crate::promql::math::{kahan_inc, kahan_sum, mean, quantile, variance};
use crate::promql::value::{RangeSeries, Sample};

/// Applies the range function `name` to every series of `arg`; `params` holds any scalar
/// arguments (the quantile of `quantile_over_time`, the horizon of `predict_linear`).
pub(crate) fn apply(
    name: &str,
    arg: RangeArg,
    params: &[f64],
    semantics: Semantics,
    ts: i64,
) -> Result<Vec<Sample>, EngineError> {
    if matches!(name, "holt_winters" | "double_exponential_smoothing") {
        check_smoothing_factors(params)?;
    }
    let mut out = Vec::with_capacity(arg.series.len());
    for series in &arg.series {
        let value = match name {
            "rate" => extrapolated(series, &arg, true, true, semantics),
            "increase" => extrapolated(series, &arg, true, false, semantics),
            "delta" => extrapolated(series, &arg, false, false, semantics),
            "irate" => instant_delta(series, true),
            "idelta" => instant_delta(series, false),
            "deriv" => deriv(series),
            "predict_linear" => predict_linear(series, params.first().copied(), ts),
            "resets" => Some(resets(series)),
            "changes" => Some(changes(series)),
            // Prometheus 2.x keeps a compensated running mean; 3.x a compensated sum.
            "avg_over_time" if semantics == Semantics::V2 => Some(running_mean(series)),
            "avg_over_time" => Some(mean(values(series))),
            "sum_over_time" => Some(kahan_sum(values(series))),
            "count_over_time" => Some(series.points.len() as f64),
            "min_over_time" => Some(min_max(series, false)),
            "max_over_time" => Some(min_max(series, true)),
            "last_over_time" => series.points.last().map(|p| p.1),
            "first_over_time" => series.points.first().map(|p| p.1),
            "present_over_time" => Some(1.0),
            "stddev_over_time" => Some(variance(values(series)).sqrt()),
            "stdvar_over_time" => Some(variance(values(series))),
            "holt_winters" | "double_exponential_smoothing" => {
                smoothed(series, params[0], params[1])
            }
            "quantile_over_time" => {
                let q = params.first().copied().unwrap_or(f64::NAN);
                let mut v: Vec<f64> = values(series).collect();
                Some(quantile(q, &mut v))
            }
            other => {
                return Err(EngineError::Unsupported(format!("function {other}")));
            }
        };
        if let Some(value) = value {
            out.push(Sample {
                labels: series.labels.clone(),
                value,
                timestamp_ms: ts,
                drop_name: !matches!(name, "last_over_time" | "first_over_time")
                    || series.drop_name,
            });
        }
    }
    Ok(out)
}

/// Prometheus 2.x's `avg_over_time`: a compensated running mean that keeps an infinite mean.
fn running_mean(series: &RangeSeries) -> f64 {
    let (mut mean, mut c, mut count) = (0.0_f64, 0.0_f64, 0.0_f64);
    for v in values(series) {
        count += 1.0;
        if mean.is_infinite() {
            if v.is_infinite() && (mean > 0.0) == (v > 0.0) {
                continue;
            }
            if !v.is_infinite() && !v.is_nan() {
                continue;
            }
        }
        (mean, c) = kahan_inc(v / count - mean / count, mean, c);
    }
    if mean.is_infinite() { mean } else { mean + c }
}

fn values(series: &RangeSeries) -> impl Iterator<Item = f64> + '_ {
    series.points.iter().map(|p| p.1)
}

/// `rate`, `increase` and `delta`: the change over the window, extrapolated towards the window
/// edges when the first and last samples are close enough to them.
fn extrapolated(
    series: &RangeSeries,
    arg: &RangeArg,
    counter: bool,
    per_second: bool,
    semantics: Semantics,
) -> Option<f64> {
    let points = &series.points;
    if points.len() < 2 {
        return None;
    }
    let (first_t, first_v) = points[0];
    let (last_t, last_v) = points[points.len() - 1];
    let mut result = last_v - first_v;
    if counter {
        let mut prev = first_v;
        for &(_, v) in &points[1..] {
            if v < prev {
                result += prev;
            }
            prev = v;
        }
    }

    let range_start = arg.end.saturating_sub(arg.range);
    let mut to_start = first_t.saturating_sub(range_start) as f64 / 1000.0;
    let mut to_end = arg.end.saturating_sub(last_t) as f64 / 1000.0;
    let sampled = (last_t - first_t) as f64 / 1000.0;
    let average = sampled / (points.len() - 1) as f64;
    let threshold = average * 1.1;

    // A counter cannot go below zero: do not extrapolate past the point where it would.
    let zero_cap = |to_start: f64| {
        if counter && result > 0.0 && first_v >= 0.0 {
            to_start.min(sampled * (first_v / result))
        } else {
            to_start
        }
    };
    match semantics {
        Semantics::V2 => {
            to_start = zero_cap(to_start);
            if to_start >= threshold {
                to_start = average / 2.0;
            }
        }
        Semantics::V3 => {
            if to_start >= threshold {
                to_start = average / 2.0;
            }
            to_start = zero_cap(to_start);
        }
    }
    if to_end >= threshold {
        to_end = average / 2.0;
    }

    let mut factor = (sampled + to_start + to_end) / sampled;
    if per_second {
        factor /= arg.range as f64 / 1000.0;
    }
    Some(result * factor)
}

/// `irate` and `idelta`: from the last two samples.
fn instant_delta(series: &RangeSeries, per_second: bool) -> Option<f64> {
    let n = series.points.len();
    if n < 2 {
        return None;
    }
    let (pt, pv) = series.points[n - 2];
    let (lt, lv) = series.points[n - 1];
    let mut result = lv - pv;
    if per_second && lv < pv {
        // A counter reset: the last value is the increase since the reset.
        result = lv;
    }
    if !per_second {
        return Some(result);
    }
    let dt = (lt - pt) as f64 / 1000.0;
    if dt == 0.0 {
        return None;
    }
    Some(result / dt)
}

/// Least-squares slope and intercept at `intercept_ms`, with compensated sums.
fn linear_regression(points: &[(i64, f64)], intercept_ms: i64) -> (f64, f64) {
    let init = points[0].1;
    let constant = points.iter().all(|p| p.1 == init);
    if constant {
        if init.is_infinite() {
            return (f64::NAN, f64::NAN);
        }
        return (0.0, init);
    }
    let (mut n, mut sx, mut cx, mut sy, mut cy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut sxy, mut cxy, mut sx2, mut cx2) = (0.0, 0.0, 0.0, 0.0);
    for &(t, v) in points {
        n += 1.0;
        let x = t.saturating_sub(intercept_ms) as f64 / 1000.0;
        (sx, cx) = kahan_inc(x, sx, cx);
        (sy, cy) = kahan_inc(v, sy, cy);
        (sxy, cxy) = kahan_inc(x * v, sxy, cxy);
        (sx2, cx2) = kahan_inc(x * x, sx2, cx2);
    }
    let (sx, sy, sxy, sx2) = (sx + cx, sy + cy, sxy + cxy, sx2 + cx2);
    let cov = sxy - sx * sy / n;
    let var = sx2 - sx * sx / n;
    let slope = cov / var;
    (slope, sy / n - slope * sx / n)
}

fn deriv(series: &RangeSeries) -> Option<f64> {
    if series.points.len() < 2 {
        return None;
    }
    Some(linear_regression(&series.points, series.points[0].0).0)
}

fn predict_linear(series: &RangeSeries, horizon: Option<f64>, ts: i64) -> Option<f64> {
    if series.points.len() < 2 {
        return None;
    }
    let (slope, intercept) = linear_regression(&series.points, ts);
    Some(slope * horizon.unwrap_or(0.0) + intercept)
}

/// Both factors of `holt_winters` must lie strictly between 0 and 1.
fn check_smoothing_factors(params: &[f64]) -> Result<(), EngineError> {
    let (sf, tf) = (
        params.first().copied().unwrap_or(f64::NAN),
        params.get(1).copied().unwrap_or(f64::NAN),
    );
    if !(sf > 0.0 && sf < 1.0) {
        return Err(EngineError::InvalidArgument(format!(
            "invalid smoothing factor. Expected: 0 < sf < 1, got: {sf:.6}"
        )));
    }
    if !(tf > 0.0 && tf < 1.0) {
        return Err(EngineError::InvalidArgument(format!(
            "invalid trend factor. Expected: 0 < tf < 1, got: {tf:.6}"
        )));
    }
    Ok(())
}

/// Double exponential smoothing (`holt_winters`): the smoothed value at the last sample.
fn smoothed(series: &RangeSeries, sf: f64, tf: f64) -> Option<f64> {
    let p = &series.points;
    if p.len() < 2 {
        return None;
    }
    let (mut s0, mut s1) = (0.0, p[0].1);
    let mut trend = p[1].1 - p[0].1;
    for (i, &(_, v)) in p.iter().enumerate().skip(1) {
        if i > 1 {
            trend = tf * (s1 - s0) + (1.0 - tf) * trend;
        }
        let next = sf * v + (1.0 - sf) * (s1 + trend);
        (s0, s1) = (s1, next);
    }
    Some(s1)
}

fn resets(series: &RangeSeries) -> f64 {
    series.points.windows(2).filter(|w| w[1].1 < w[0].1).count() as f64
}

fn changes(series: &RangeSeries) -> f64 {
    series
        .points
        .windows(2)
        .filter(|w| !(w[1].1 == w[0].1 || (w[1].1.is_nan() && w[0].1.is_nan())))
        .count() as f64
}

fn min_max(series: &RangeSeries, max: bool) -> f64 {
    let mut acc = series.points[0].1;
    for &(_, v) in &series.points {
        if (max && v > acc) || (!max && v < acc) || acc.is_nan() {
            acc = v;
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::labels::Labels;

    fn series(points: Vec<(i64, f64)>) -> RangeSeries {
        RangeSeries {
            labels: Labels::new(),
            points,
            drop_name: false,
        }
    }

    #[test]
    fn rate_of_a_steady_counter_is_its_slope() {
        let s = series((0..=4).map(|i| (i * 15_000, i as f64 * 15.0)).collect());
        let arg = RangeArg {
            series: vec![],
            end: 60_000,
            range: 60_000,
        };
        let r = extrapolated(&s, &arg, true, true, Semantics::V2);
        assert!((r.unwrap_or(0.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn irate_handles_a_counter_reset() {
        let s = series(vec![(0, 10.0), (10_000, 5.0)]);
        assert_eq!(instant_delta(&s, true), Some(0.5));
    }

    #[test]
    fn changes_counts_nan_to_nan_as_no_change() {
        let s = series(vec![(0, f64::NAN), (1, f64::NAN), (2, 1.0)]);
        assert_eq!(changes(&s), 1.0);
    }
}
