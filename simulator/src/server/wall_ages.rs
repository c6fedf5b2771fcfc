//! Ages for clients that compute them from their own wall clock.
//!
//! `kubectl describe` prints the ages of events (and, for a node, of its pods) as its wall
//! clock minus the served timestamp, while the interpreter prints virtual now minus the same
//! timestamp. The two can only agree if the client is shown timestamps that relate to a clock
//! both sides share, so for such a client the server rewrites the age-bearing timestamps of the
//! lists it serves: a timestamp whose virtual age is `A` whole seconds is served as the serving
//! instant's whole wall-clock second minus `A`. The client then computes an age in `[A, A+1)`
//! seconds, which kubectl's duration format prints exactly as the interpreter prints `A`,
//! provided the client formats within the rest of that second: the server waits for a fresh
//! second when less than [`MARGIN_MS`] of the current one is left.
//!
//! Only list answers to requests that carry kubectl's `Kubectl-Command: kubectl describe`
//! header are rewritten, and only the fields describe turns into ages (event first, last and
//! series times; a pod's creation time, which `describe node` prints as the pod's age); every
//! other answer, `kubectl get events -o yaml` included, carries the virtual timestamps. The
//! world itself never sees the wall clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::kubectl::resources::ResourceKind;

/// The least part of the current wall-clock second that must be left for the client to turn
/// the served timestamps into ages before the second changes.
pub(crate) const MARGIN_MS: u64 = 300;

/// The whole Unix second an answer is served at, waiting for the next second when fewer than
/// [`MARGIN_MS`] are left of the current one.
pub(crate) async fn serving_second() -> i64 {
    let since = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let now = since(SystemTime::now());
    let into = u64::from(now.subsec_millis());
    if into + MARGIN_MS >= 1000 {
        tokio::time::sleep(Duration::from_millis(1000 - into + 5)).await;
        return i64::try_from(since(SystemTime::now()).as_secs()).unwrap_or(i64::MAX);
    }
    i64::try_from(now.as_secs()).unwrap_or(i64::MAX)
}

/// Rewrites the age-bearing timestamps of one listed object of `kind`, whose virtual now is
/// `now`, for a client whose wall clock reads `wall_second`.
pub(crate) fn rewrite(object: &mut Value, kind: ResourceKind, now: Timestamp, wall_second: i64) {
    let fields: &[&[&str]] = match kind {
        ResourceKind::Event => &[
            &["firstTimestamp"],
            &["lastTimestamp"],
            &["eventTime"],
            &["series", "lastObservedTime"],
        ],
        ResourceKind::Pod => &[&["metadata", "creationTimestamp"]],
        _ => return,
    };
    for path in fields {
        let pointer: String = path.iter().map(|p| format!("/{p}")).collect();
        let Some(v) = object.pointer_mut(&pointer) else {
            continue;
        };
        let shifted = v.as_str().and_then(|text| shift(text, now, wall_second));
        if let Some(shifted) = shifted {
            *v = Value::String(shifted);
        }
    }
}

/// `text` (RFC 3339) re-expressed at the same whole-second age from `wall_second` as it has
/// from `now`; `None` when it does not parse.
fn shift(text: &str, now: Timestamp, wall_second: i64) -> Option<String> {
    let t: Timestamp = text.parse().ok()?;
    let age = now.duration_since(t).as_secs();
    let served = Timestamp::from_second(wall_second)
        .ok()?
        .checked_sub(SignedDuration::from_secs(age))
        .ok()?;
    let micro = text.contains('.');
    Some(if micro {
        served.strftime("%Y-%m-%dT%H:%M:%S.000000Z").to_string()
    } else {
        served.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_keeps_its_whole_second_age_against_the_wall_clock() {
        let now: Timestamp = "2025-12-01T11:05:01.400Z".parse().expect("a timestamp");
        let shifted = shift("2025-12-01T10:00:01Z", now, 1_000_000).expect("shifted");
        let t: Timestamp = shifted.parse().expect("a timestamp");
        assert_eq!(t.as_second(), 1_000_000 - 3900);
        let micro = shift("2025-12-01T11:05:00.000000Z", now, 1_000_000).expect("shifted");
        assert!(micro.ends_with(".000000Z"), "{micro}");
    }
}
