//! Numeric helpers shared by functions and aggregations: compensated sums, quantiles, means.

/// One step of Kahan–Neumaier compensated summation; returns the new sum and compensation.
pub(crate) fn kahan_inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    let c = if t.is_infinite() {
        0.0
    } else if sum.abs() >= inc.abs() {
        c + ((sum - t) + inc)
    } else {
        c + ((inc - t) + sum)
    };
    (t, c)
}

/// A compensated sum of `values`.
pub(crate) fn kahan_sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut c) = (0.0, 0.0);
    for v in values {
        (sum, c) = kahan_inc(v, sum, c);
    }
    if sum.is_infinite() { sum } else { sum + c }
}

/// The mean of `values`, falling back to an incremental mean when the sum overflows.
pub(crate) fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let mut acc = MeanAcc::default();
    for v in values {
        acc.add(v);
    }
    acc.value()
}

/// An accumulator for [`mean`], also used by `avg`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MeanAcc {
    count: f64,
    sum: f64,
    c: f64,
    mean: f64,
    incremental: bool,
}

impl MeanAcc {
    pub(crate) fn add(&mut self, v: f64) {
        self.count += 1.0;
        if !self.incremental {
            let (s, c) = kahan_inc(v, self.sum, self.c);
            if self.count == 1.0 || !s.is_infinite() {
                self.sum = s;
                self.c = c;
                return;
            }
            // The sum overflowed: continue with an incremental mean.
            self.incremental = true;
            self.mean = self.sum / (self.count - 1.0);
            self.c /= self.count - 1.0;
        }
        if self.mean.is_infinite() {
            if v.is_infinite() && (self.mean > 0.0) == (v > 0.0) {
                return;
            }
            if !v.is_infinite() && !v.is_nan() {
                return;
            }
        }
        let corrected = self.mean + self.c;
        (self.mean, self.c) = kahan_inc(v / self.count - corrected / self.count, self.mean, self.c);
    }

    pub(crate) fn value(&self) -> f64 {
        if self.incremental {
            self.mean + self.c
        } else if self.sum.is_infinite() {
            self.sum / self.count
        } else {
            self.sum / self.count + self.c / self.count
        }
    }
}

/// The population variance of `values` (Welford with compensation).
pub(crate) fn variance(values: impl Iterator<Item = f64>) -> f64 {
    let (mut count, mut mean, mut c_mean, mut aux, mut c_aux) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for v in values {
        count += 1.0;
        let delta = v - (mean + c_mean);
        (mean, c_mean) = kahan_inc(delta / count, mean, c_mean);
        (aux, c_aux) = kahan_inc(delta * (v - (mean + c_mean)), aux, c_aux);
    }
    (aux + c_aux) / count
}

/// The φ-quantile of `values` by linear interpolation between closest ranks, as Prometheus's
/// `quantile` and `quantile_over_time` compute it.
pub(crate) fn quantile(q: f64, values: &mut [f64]) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    // NaN counts as the smallest value.
    values.sort_by(|a, b| match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        _ => a.total_cmp(b),
    });
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (lower + 1.0).min(n - 1.0);
    let weight = rank - rank.floor();
    // The casts are of non-negative integral floats below the slice length.
    let (lo, up) = (lower as usize, upper as usize);
    values[lo] * (1.0 - weight) + values[up] * weight
}

/// Formats a float as Go's `strconv.FormatFloat(v, 'f', -1, 64)` with Prometheus's names for
/// the special values (`NaN`, `+Inf`, `-Inf`).
pub fn format_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        // Rust's Display prints the shortest round-trip digits without an exponent, which is
        // what Go's 'f' format with precision -1 prints.
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kahan_sum_recovers_lost_low_bits() {
        let v = [1.0, 1e100, 1.0, -1e100];
        assert_eq!(kahan_sum(v.into_iter()), 2.0);
    }

    #[test]
    fn quantile_interpolates_between_ranks() {
        let mut v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(0.5, &mut v), 2.5);
    }

    #[test]
    fn floats_format_like_go() {
        assert_eq!(format_float(1.0), "1");
        assert_eq!(format_float(0.1), "0.1");
        assert_eq!(format_float(1e21), "1000000000000000000000");
        assert_eq!(format_float(f64::NEG_INFINITY), "-Inf");
    }
}
