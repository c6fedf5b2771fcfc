//! Sample timestamps stored compactly: regular scrapes collapse into runs of equal steps.
//!
//! A scraper appends at a fixed interval, so a series' timestamps are almost always one
//! arithmetic progression; a run stores it in 24 bytes instead of 8 bytes a sample. Irregular
//! series (more than one run per 8 samples) fall back to a plain vector.

/// An arithmetic progression of timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    start: i64,
    step: i64,
    /// Index of the run's first sample in the whole column.
    first: usize,
    len: usize,
}

impl Run {
    fn last(&self) -> i64 {
        // `len >= 1` for every stored run; the product stays within the column's range.
        self.start + self.step * (self.len as i64 - 1)
    }

    /// Number of this run's timestamps that are `<= t`.
    fn count_le(&self, t: i64) -> usize {
        if t < self.start {
            return 0;
        }
        if self.step == 0 || t >= self.last() {
            return self.len;
        }
        (((t - self.start) / self.step) as usize + 1).min(self.len)
    }
}

/// The timestamps of one series, in increasing order.
#[derive(Debug, Clone)]
pub(crate) enum TimeColumn {
    /// Runs of equally spaced timestamps.
    Runs(Vec<Run>),
    /// One timestamp per sample.
    Plain(Vec<i64>),
}

impl Default for TimeColumn {
    fn default() -> Self {
        TimeColumn::Runs(Vec::new())
    }
}

impl TimeColumn {
    /// The number of timestamps.
    pub(crate) fn len(&self) -> usize {
        match self {
            TimeColumn::Runs(runs) => runs.last().map_or(0, |r| r.first + r.len),
            TimeColumn::Plain(v) => v.len(),
        }
    }

    /// The newest timestamp.
    pub(crate) fn last(&self) -> Option<i64> {
        match self {
            TimeColumn::Runs(runs) => runs.last().map(Run::last),
            TimeColumn::Plain(v) => v.last().copied(),
        }
    }

    /// Appends `t`, which must be greater than [`TimeColumn::last`].
    pub(crate) fn push(&mut self, t: i64) {
        match self {
            TimeColumn::Plain(v) => v.push(t),
            TimeColumn::Runs(runs) => {
                let total = runs.last().map_or(0, |r| r.first + r.len);
                match runs.last_mut() {
                    Some(r) if r.len == 1 => {
                        r.step = t - r.start;
                        r.len = 2;
                    }
                    Some(r) if t - r.last() == r.step => r.len += 1,
                    _ => runs.push(Run {
                        start: t,
                        step: 0,
                        first: total,
                        len: 1,
                    }),
                }
                if runs.len() > 4 && runs.len() * 8 > total {
                    let plain: Vec<i64> = (0..self.len()).map(|i| self.get(i)).collect();
                    *self = TimeColumn::Plain(plain);
                }
            }
        }
    }

    /// The `i`-th timestamp; `i` must be below [`TimeColumn::len`].
    pub(crate) fn get(&self, i: usize) -> i64 {
        match self {
            TimeColumn::Plain(v) => v[i],
            TimeColumn::Runs(runs) => {
                let r = &runs[runs.partition_point(|r| r.first + r.len <= i)];
                r.start + r.step * (i - r.first) as i64
            }
        }
    }

    /// The number of timestamps `<= t` (the index of the first one after `t`).
    pub(crate) fn count_le(&self, t: i64) -> usize {
        match self {
            TimeColumn::Plain(v) => v.partition_point(|&x| x <= t),
            TimeColumn::Runs(runs) => {
                let k = runs.partition_point(|r| r.start <= t);
                if k == 0 {
                    return 0;
                }
                let r = &runs[k - 1];
                r.first + r.count_le(t)
            }
        }
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            TimeColumn::Runs(runs) => runs.capacity() * std::mem::size_of::<Run>(),
            TimeColumn::Plain(v) => v.capacity() * std::mem::size_of::<i64>(),
        }
    }

    /// Shrinks the allocation to the length.
    pub(crate) fn shrink_to_fit(&mut self) {
        match self {
            TimeColumn::Runs(runs) => runs.shrink_to_fit(),
            TimeColumn::Plain(v) => v.shrink_to_fit(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(ts: &[i64]) -> TimeColumn {
        let mut c = TimeColumn::default();
        for &t in ts {
            c.push(t);
        }
        c
    }

    #[test]
    fn regular_timestamps_make_one_run() {
        let ts: Vec<i64> = (0..240).map(|k| 7 + k * 15_000).collect();
        let c = column(&ts);
        assert!(matches!(&c, TimeColumn::Runs(r) if r.len() == 1));
        for (i, &t) in ts.iter().enumerate() {
            assert_eq!(c.get(i), t);
            assert_eq!(c.count_le(t), i + 1);
            assert_eq!(c.count_le(t - 1), i);
        }
        assert_eq!(c.count_le(i64::MAX), 240);
        assert_eq!(c.count_le(i64::MIN), 0);
    }

    #[test]
    fn gaps_start_new_runs_and_irregular_series_fall_back() {
        let ts = [0, 10, 20, 100, 110, 120, 500];
        let c = column(&ts);
        for (i, &t) in ts.iter().enumerate() {
            assert_eq!(c.get(i), t);
            assert_eq!(c.count_le(t), i + 1);
        }
        let irregular: Vec<i64> = (0..100).map(|k| k * k).collect();
        let c = column(&irregular);
        assert!(matches!(c, TimeColumn::Plain(_)));
        for (i, &t) in irregular.iter().enumerate() {
            assert_eq!(c.get(i), t);
            assert_eq!(c.count_le(t), i + 1);
        }
    }
}
