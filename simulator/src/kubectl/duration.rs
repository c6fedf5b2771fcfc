//! Durations as Kubernetes prints them: ages in tables (`HumanDuration`), short ages
//! (`ShortHumanDuration`) and Go's `time.Duration` string form (`1m30s`, `2.512s`).

use std::fmt;

const NANOS_PER_MICRO: i64 = 1_000;
const NANOS_PER_MILLI: i64 = 1_000_000;
const NANOS_PER_SEC: i64 = 1_000_000_000;
const NANOS_PER_MIN: i64 = 60 * NANOS_PER_SEC;
const NANOS_PER_HOUR: i64 = 60 * NANOS_PER_MIN;

/// A signed span of time in nanoseconds, like Go's `time.Duration`.
///
/// `Display` prints Go's `Duration.String()` form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GoDuration(pub i64);

impl GoDuration {
    /// A duration of `secs` whole seconds (saturating).
    pub const fn from_secs(secs: i64) -> Self {
        GoDuration(secs.saturating_mul(NANOS_PER_SEC))
    }

    /// A duration of `millis` milliseconds (saturating).
    pub const fn from_millis(millis: i64) -> Self {
        GoDuration(millis.saturating_mul(NANOS_PER_MILLI))
    }

    /// The duration in nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// Whole seconds, truncated toward zero as Go's `int(d.Seconds())` does.
    pub const fn whole_secs(self) -> i64 {
        self.0 / NANOS_PER_SEC
    }
}

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&go_duration_string(self.0))
    }
}

/// Formats an age as `kubectl get` does in its AGE column (apimachinery's `HumanDuration`).
///
/// Values just below zero (down to -1 s) read `0s`, further negative ones `<invalid>`.
pub fn human_duration(d: GoDuration) -> String {
    let seconds = d.whole_secs();
    if seconds < -1 {
        return "<invalid>".to_owned();
    } else if seconds < 0 {
        return "0s".to_owned();
    } else if seconds < 60 * 2 {
        return format!("{seconds}s");
    }

    let minutes = d.0 / NANOS_PER_MIN;
    if minutes < 10 {
        let s = (d.0 / NANOS_PER_SEC) % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    } else if minutes < 60 * 3 {
        return format!("{minutes}m");
    }

    let hours = d.0 / NANOS_PER_HOUR;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        format!("{hours}h{m}m")
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        format!("{}d{h}h", hours / 24)
    } else if hours < 24 * 365 * 2 {
        format!("{}d", hours / 24)
    } else if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        if days == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        format!("{}y{days}d", hours / 24 / 365)
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

/// Formats an age with a single unit (apimachinery's `ShortHumanDuration`): `45s`, `12m`,
/// `3h`, `20d`, `2y`.
pub fn short_human_duration(d: GoDuration) -> String {
    let seconds = d.whole_secs();
    if seconds < -1 {
        return "<invalid>".to_owned();
    } else if seconds < 0 {
        return "0s".to_owned();
    } else if seconds < 60 {
        return format!("{seconds}s");
    }
    let minutes = d.0 / NANOS_PER_MIN;
    if minutes < 60 {
        return format!("{minutes}m");
    }
    let hours = d.0 / NANOS_PER_HOUR;
    if hours < 24 {
        format!("{hours}h")
    } else if hours < 24 * 365 {
        format!("{}d", hours / 24)
    } else {
        format!("{}y", hours / 24 / 365)
    }
}

/// Go's `time.Duration.String()`: `0s`, `750ms`, `1.5µs`, `2.512s`, `1m30s`, `1h0m0s`.
pub fn go_duration_string(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".to_owned();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let u = nanos.unsigned_abs();

    if u < NANOS_PER_SEC as u64 {
        // Below a second Go switches to the largest unit that keeps an integer part.
        let (scale, unit) = if u < NANOS_PER_MICRO as u64 {
            (1, "ns")
        } else if u < NANOS_PER_MILLI as u64 {
            (NANOS_PER_MICRO as u64, "µs")
        } else {
            (NANOS_PER_MILLI as u64, "ms")
        };
        return format!("{sign}{}{unit}", with_fraction(u / scale, u % scale, scale));
    }

    let secs = u / NANOS_PER_SEC as u64;
    let frac = u % NANOS_PER_SEC as u64;
    let mut out = String::from(sign);
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || secs >= 60 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&with_fraction(s, frac, NANOS_PER_SEC as u64));
    out.push('s');
    out
}

/// `int.frac` with the fraction written in `scale`'s digits and trailing zeros dropped.
fn with_fraction(int: u64, frac: u64, scale: u64) -> String {
    if frac == 0 {
        return int.to_string();
    }
    let digits = scale.ilog10() as usize;
    let text = format!("{frac:0digits$}");
    format!("{int}.{}", text.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn human(secs: i64) -> String {
        human_duration(GoDuration::from_secs(secs))
    }

    #[test]
    fn human_duration_follows_the_age_table() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (303, "5m3s"),
            (600, "10m"),
            (179 * 60 + 59, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 25 * 60, "3h25m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (48 * 3600, "2d"),
            (74 * 3600, "3d2h"),
            (8 * 86400, "8d"),
            (729 * 86400, "729d"),
            (730 * 86400, "2y"),
            (731 * 86400, "2y1d"),
            (8 * 365 * 86400, "8y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human(secs), want, "{secs} s");
        }
    }

    #[test]
    fn sub_second_negative_is_zero() {
        assert_eq!(human_duration(GoDuration(-1_500_000_000)), "0s");
        assert_eq!(human_duration(GoDuration(-2_000_000_000)), "<invalid>");
    }

    #[test]
    fn short_human_duration_uses_one_unit() {
        let d = GoDuration::from_secs;
        assert_eq!(short_human_duration(d(59)), "59s");
        assert_eq!(short_human_duration(d(61)), "1m");
        assert_eq!(short_human_duration(d(3 * 3600 + 5)), "3h");
        assert_eq!(short_human_duration(d(40 * 86400)), "40d");
        assert_eq!(short_human_duration(d(400 * 86400)), "1y");
    }

    #[test]
    fn go_duration_strings_match_go() {
        let cases = [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5µs"),
            (750_000_000, "750ms"),
            (2_512_000_000, "2.512s"),
            (90 * NANOS_PER_SEC, "1m30s"),
            (120 * NANOS_PER_SEC, "2m0s"),
            (NANOS_PER_HOUR, "1h0m0s"),
            (NANOS_PER_HOUR + 1, "1h0m0.000000001s"),
            (-NANOS_PER_SEC, "-1s"),
        ];
        for (nanos, want) in cases {
            assert_eq!(GoDuration(nanos).to_string(), want);
        }
    }
}
