//! The virtual clock: the only source of time in a simulated world.

use std::fmt;

use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// A span of virtual time, in whole milliseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Millis(pub i64);

impl Millis {
    /// A span of `s` seconds.
    pub const fn from_secs(s: i64) -> Self {
        Millis(s * 1000)
    }

    /// Whole seconds in this span, rounded down.
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }
}

impl std::ops::Add for Millis {
    type Output = Millis;
    fn add(self, rhs: Millis) -> Millis {
        Millis(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Millis {
    type Output = Millis;
    fn sub(self, rhs: Millis) -> Millis {
        Millis(self.0 - rhs.0)
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

/// Virtual time: a fixed epoch plus the milliseconds elapsed since the world began.
///
/// # Guarantees
/// Time never goes backwards and moves only when the world is told that time passes; nothing
/// reads the host's clock.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Clock {
    epoch: Timestamp,
    elapsed: Millis,
}

impl Clock {
    /// A clock that starts at `epoch`.
    pub fn new(epoch: Timestamp) -> Self {
        Clock {
            epoch,
            elapsed: Millis(0),
        }
    }

    /// Milliseconds since the epoch.
    pub fn elapsed(&self) -> Millis {
        self.elapsed
    }

    /// The current instant as a timestamp.
    pub fn now(&self) -> Timestamp {
        self.at(self.elapsed)
    }

    /// The timestamp of a virtual instant given as milliseconds since the epoch.
    pub fn at(&self, t: Millis) -> Timestamp {
        self.epoch
            .checked_add(SignedDuration::from_millis(t.0))
            .expect("virtual time stays within jiff's range: scenarios run for days at most")
    }

    /// The epoch, as milliseconds since the Unix epoch.
    pub fn epoch_unix_millis(&self) -> i64 {
        self.epoch.as_millisecond()
    }

    /// Moves time forward by `d`; a negative span is ignored.
    pub(crate) fn advance_to(&mut self, t: Millis) {
        if t > self.elapsed {
            self.elapsed = t;
        }
    }
}

/// Parses a duration as a scenario or script writes it: `30s`, `5m`, `1h30m`, `250ms`, or a
/// bare number of seconds.
///
/// # Errors
/// Returns a message naming the input when it is empty, has an unknown unit or overflows.
pub fn parse_duration(text: &str) -> Result<Millis, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".to_string());
    }
    if let Ok(secs) = text.parse::<i64>() {
        return secs
            .checked_mul(1000)
            .map(Millis)
            .ok_or_else(|| format!("duration {text:?} is too large"));
    }
    let mut total: i64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("invalid duration {text:?}: expected a number"));
        }
        let value: i64 = rest[..digits]
            .parse()
            .map_err(|_| format!("duration {text:?} is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "" => return Err(format!("invalid duration {text:?}: missing unit")),
            unit => return Err(format!("invalid duration {text:?}: unknown unit {unit:?}")),
        };
        rest = &rest[unit_len..];
        total = value
            .checked_mul(scale)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration {text:?} is too large"))?;
    }
    Ok(Millis(total))
}

/// Formats a span as Go's `time.Duration` prints it (`10s`, `1m20s`, `2.5s`, `5m0s`).
pub fn go_duration(d: Millis) -> String {
    let ms = d.0;
    if ms == 0 {
        return "0s".to_string();
    }
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    if ms < 1000 {
        return format!("{sign}{ms}ms");
    }
    let h = ms / 3_600_000;
    let m = (ms / 60_000) % 60;
    let s = (ms / 1000) % 60;
    let frac = ms % 1000;
    let secs = if frac == 0 {
        format!("{s}s")
    } else {
        let f = format!("{frac:03}");
        format!("{s}.{}s", f.trim_end_matches('0'))
    };
    if h > 0 {
        format!("{sign}{h}h{m}m{secs}")
    } else if m > 0 {
        format!("{sign}{m}m{secs}")
    } else {
        format!("{sign}{secs}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_every_written_form() {
        assert_eq!(parse_duration("30s"), Ok(Millis(30_000)));
        assert_eq!(parse_duration("1h30m"), Ok(Millis(5_400_000)));
        assert_eq!(parse_duration("250ms"), Ok(Millis(250)));
        assert_eq!(parse_duration("12"), Ok(Millis(12_000)));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("99999999999999999999h").is_err());
    }

    #[test]
    fn go_durations_print_as_go_does() {
        assert_eq!(go_duration(Millis(0)), "0s");
        assert_eq!(go_duration(Millis(10_000)), "10s");
        assert_eq!(go_duration(Millis(80_000)), "1m20s");
        assert_eq!(go_duration(Millis(300_000)), "5m0s");
        assert_eq!(go_duration(Millis(2_512)), "2.512s");
        assert_eq!(go_duration(Millis(2_500)), "2.5s");
        assert_eq!(go_duration(Millis(3_600_000)), "1h0m0s");
    }
}
