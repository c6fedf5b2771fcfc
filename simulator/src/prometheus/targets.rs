//! `/api/v1/targets`: the scrape targets the caller's scraper describes, in Prometheus's shape.

use super::api::{ApiResponse, success};
use super::form::Params;
use super::json::{JsonOut, go_json_float, json_string, labels_json};
use super::params::format_rfc3339;
use crate::promql::labels::Labels;

/// The health of a scrape target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetHealth {
    /// The last scrape succeeded.
    Up,
    /// The last scrape failed.
    Down,
    /// Not scraped yet.
    Unknown,
}

impl TargetHealth {
    fn as_str(self) -> &'static str {
        match self {
            TargetHealth::Up => "up",
            TargetHealth::Down => "down",
            TargetHealth::Unknown => "unknown",
        }
    }
}

/// An active scrape target as the caller's scraper sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Labels before relabelling (`__address__`, `__meta_*`, …).
    pub discovered_labels: Labels,
    /// Labels after relabelling (`instance`, `job`, …).
    pub labels: Labels,
    /// The scrape job.
    pub scrape_pool: String,
    /// The URL scraped.
    pub scrape_url: String,
    /// The URL as seen from outside (usually the same).
    pub global_url: String,
    /// The last scrape's error, empty when it succeeded.
    pub last_error: String,
    /// When the last scrape started (ms since the epoch, virtual time).
    pub last_scrape_ms: i64,
    /// How long the last scrape took, in seconds.
    pub last_scrape_duration_seconds: f64,
    /// The target's health.
    pub health: TargetHealth,
}

/// A target that relabelling dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct DroppedTarget {
    /// Labels before relabelling.
    pub discovered_labels: Labels,
}

/// `GET /api/v1/targets`: optional `state=active|dropped|any` (default any).
pub fn targets(active: &[Target], dropped: &[DroppedTarget], params: &Params) -> ApiResponse {
    let state = params.value("state");
    let show_active = state.is_empty() || state == "active" || state == "any";
    let show_dropped = state.is_empty() || state == "dropped" || state == "any";
    let active_json = if show_active {
        let mut out = JsonOut::array();
        for t in active {
            out.item(&format!(
                "{{\"discoveredLabels\":{},\"labels\":{},\"scrapePool\":{},\"scrapeUrl\":{},\"globalUrl\":{},\"lastError\":{},\"lastScrape\":{},\"lastScrapeDuration\":{},\"health\":\"{}\"}}",
                labels_json(&t.discovered_labels),
                labels_json(&t.labels),
                json_string(&t.scrape_pool),
                json_string(&t.scrape_url),
                json_string(&t.global_url),
                json_string(&t.last_error),
                json_string(&format_rfc3339(t.last_scrape_ms)),
                go_json_float(t.last_scrape_duration_seconds),
                t.health.as_str()
            ));
        }
        out.finish()
    } else {
        "null".to_string()
    };
    let dropped_json = if show_dropped {
        let mut out = JsonOut::array();
        for t in dropped {
            out.item(&format!(
                "{{\"discoveredLabels\":{}}}",
                labels_json(&t.discovered_labels)
            ));
        }
        out.finish()
    } else {
        "null".to_string()
    };
    success(&format!(
        "{{\"activeTargets\":{active_json},\"droppedTargets\":{dropped_json}}}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_render_with_rfc3339_last_scrape() {
        let t = Target {
            discovered_labels: Labels::from_pairs([("__address__", "x:80")]),
            labels: Labels::from_pairs([("job", "a")]),
            scrape_pool: "a".into(),
            scrape_url: "http://x:80/metrics".into(),
            global_url: "http://x:80/metrics".into(),
            last_error: String::new(),
            last_scrape_ms: 1_500,
            last_scrape_duration_seconds: 0.004,
            health: TargetHealth::Up,
        };
        let r = targets(&[t], &[], &Params::default());
        assert_eq!(
            r.body,
            r#"{"status":"success","data":{"activeTargets":[{"discoveredLabels":{"__address__":"x:80"},"labels":{"job":"a"},"scrapePool":"a","scrapeUrl":"http://x:80/metrics","globalUrl":"http://x:80/metrics","lastError":"","lastScrape":"1970-01-01T00:00:01.5Z","lastScrapeDuration":0.004,"health":"up"}],"droppedTargets":[]}}"#
        );
    }
}
