//! Parsing of time and duration parameters the way Prometheus accepts them.

use crate::promql::functions::civil;

/// Parses a time: Unix seconds with optional decimals (rounded to milliseconds) or RFC 3339.
///
/// # Errors
///
/// Prometheus's text: `cannot parse "<s>" to a valid timestamp`.
pub(crate) fn parse_time(s: &str) -> Result<i64, String> {
    if let Ok(secs) = s.parse::<f64>()
        && secs.is_finite()
        && secs.abs() < 9.2e15
    {
        let whole = secs.trunc();
        let frac = ((secs - whole) * 1000.0).round();
        // Both parts are finite and far inside the i64 range after the check above.
        return Ok(whole as i64 * 1000 + frac as i64);
    }
    parse_rfc3339(s).ok_or_else(|| format!("cannot parse {s:?} to a valid timestamp"))
}

/// Parses a duration: float seconds or a Prometheus duration (`1h30m`, `15s`, `100ms`).
///
/// # Errors
///
/// Prometheus's text: `cannot parse "<s>" to a valid duration`.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    if let Ok(secs) = s.parse::<f64>() {
        let ms = secs * 1000.0;
        if !ms.is_finite() || ms.abs() > 9.2e18 / 1e6 {
            return Err(format!(
                "cannot parse {s:?} to a valid duration. It overflows int64"
            ));
        }
        return Ok(ms.round() as i64);
    }
    parse_model_duration(s).ok_or_else(|| format!("cannot parse {s:?} to a valid duration"))
}

/// Prometheus's `model.ParseDuration`: units `y w d h m s ms`, each at most once, largest first.
fn parse_model_duration(s: &str) -> Option<i64> {
    if s == "0" {
        return Some(0);
    }
    const UNITS: [(&str, i64); 7] = [
        ("y", 31_536_000_000),
        ("w", 604_800_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ];
    let mut rest = s;
    let mut total: i64 = 0;
    let mut last_unit = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let idx = UNITS.iter().position(|(u, _)| *u == unit)?;
        if idx < last_unit {
            return None;
        }
        last_unit = idx + 1;
        total = total.checked_add(n.checked_mul(UNITS[idx].1)?)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// Days since the Unix epoch of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` into milliseconds.
fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let frac = &s[start..i];
        let padded: String = frac.chars().chain("000".chars()).take(3).collect();
        millis = padded.parse::<i64>().ok()?;
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        b'+' | b'-' if i + 6 == b.len() && b[i + 3] == b':' => {
            let sign = if b[i] == b'-' { -1 } else { 1 };
            sign * (num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(secs * 1000 + millis)
}

/// Formats milliseconds as Go's RFC3339Nano in UTC (trailing fractional zeros dropped).
pub(crate) fn format_rfc3339(ms: i64) -> String {
    let c = civil(ms.div_euclid(1000));
    let frac = ms.rem_euclid(1000);
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
    if frac != 0 {
        let f = format!("{frac:03}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_as_seconds_or_rfc3339() {
        assert_eq!(parse_time("1435781451.781"), Ok(1_435_781_451_781));
        assert_eq!(
            parse_time("2015-07-01T20:10:51.781Z"),
            Ok(1_435_781_451_781)
        );
        assert_eq!(
            parse_time("2015-07-01T22:10:51+02:00"),
            Ok(1_435_781_451_000)
        );
        assert_eq!(
            parse_time("soon"),
            Err("cannot parse \"soon\" to a valid timestamp".to_string())
        );
    }

    #[test]
    fn durations_parse_as_seconds_or_units() {
        assert_eq!(parse_duration("15"), Ok(15_000));
        assert_eq!(parse_duration("0.5"), Ok(500));
        assert_eq!(parse_duration("1m30s"), Ok(90_000));
        assert!(parse_duration("30s1m").is_err());
        assert!(parse_duration("x").is_err());
    }

    #[test]
    fn rfc3339_round_trips() {
        assert_eq!(format_rfc3339(1_435_781_451_780), "2015-07-01T20:10:51.78Z");
        assert_eq!(
            parse_time(&format_rfc3339(1_435_781_451_000)),
            Ok(1_435_781_451_000)
        );
    }
}
