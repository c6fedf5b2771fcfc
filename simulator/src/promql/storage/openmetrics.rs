//! OpenMetrics text export of a store, for backfilling a real Prometheus with `promtool`.

use std::io::Write;

use super::{StorageError, Store, is_stale};
use crate::promql::labels::METRIC_NAME;

impl Store {
    /// Writes every series as OpenMetrics text: one line per sample with a timestamp in
    /// seconds, metric families contiguous, ending with `# EOF`.
    ///
    /// # Caveats
    ///
    /// Staleness markers have no OpenMetrics form and are left out, so a backfilled Prometheus
    /// sees a vanished series for the whole lookback window where this store does not.
    ///
    /// # Errors
    ///
    /// [`StorageError::Io`] when the writer fails.
    pub fn write_openmetrics(&self, out: &mut impl Write) -> Result<(), StorageError> {
        let mut by_name: std::collections::BTreeMap<&str, Vec<&super::Series>> =
            std::collections::BTreeMap::new();
        for series in self.iter() {
            by_name
                .entry(series.labels.metric_name().unwrap_or(""))
                .or_default()
                .push(series);
        }
        for list in by_name.values() {
            for series in list {
                let name = series.labels.metric_name().unwrap_or("");
                let mut head = String::from(name);
                let rest: Vec<String> = series
                    .labels
                    .iter()
                    .filter(|(n, _)| *n != METRIC_NAME)
                    .map(|(n, v)| format!("{n}=\"{}\"", escape(v)))
                    .collect();
                if !rest.is_empty() {
                    head.push('{');
                    head.push_str(&rest.join(","));
                    head.push('}');
                }
                for (t, v) in series.samples(0..series.len()) {
                    if is_stale(v) {
                        continue;
                    }
                    writeln!(out, "{head} {} {}", format_value(v), format_seconds(t))?;
                }
            }
        }
        writeln!(out, "# EOF")?;
        Ok(())
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

fn format_seconds(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let frac = ms.rem_euclid(1000);
    if frac == 0 {
        format!("{secs}")
    } else {
        format!("{secs}.{frac:03}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::promql::labels::Labels;

    #[test]
    fn export_has_one_line_per_sample_and_eof() {
        let mut s = Store::new();
        let l = Labels::from_pairs([("__name__", "up"), ("job", "a")]);
        s.append(&l, 1500, 1.0).unwrap();
        s.append_stale(&l, 3000).unwrap();
        let mut buf = Vec::new();
        s.write_openmetrics(&mut buf).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "up{job=\"a\"} 1 1.500\n# EOF\n"
        );
    }
}
