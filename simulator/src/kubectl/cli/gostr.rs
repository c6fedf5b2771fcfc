//! Go's standard-library parsing and quoting, reproduced for the exact error texts that pflag
//! passes through: `strconv.Quote`, `ParseBool`, `ParseInt`, `time.ParseDuration`.

use crate::kubectl::duration::GoDuration;

/// `strconv.Quote`: a double-quoted Go string literal.
pub fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_print(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint`: graphic characters and the ASCII space.
fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    !c.is_control()
        && !c.is_whitespace()
        && !matches!(c as u32, 0xad | 0x200b..=0x200f | 0x2060..=0x2064 | 0xfeff | 0xe000..=0xf8ff)
}

/// Why a Go `strconv` parse failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumErrorKind {
    /// `invalid syntax`
    Syntax,
    /// `value out of range`
    Range,
}

/// A `strconv.NumError`, displayed as Go displays it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NumError {
    /// `ParseInt` or `ParseBool`.
    pub func: &'static str,
    /// The input.
    pub input: String,
    /// Why it failed.
    pub kind: NumErrorKind,
}

impl std::fmt::Display for NumError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match self.kind {
            NumErrorKind::Syntax => "invalid syntax",
            NumErrorKind::Range => "value out of range",
        };
        write!(
            f,
            "strconv.{}: parsing {}: {why}",
            self.func,
            go_quote(&self.input)
        )
    }
}

/// `strconv.ParseBool`.
pub(crate) fn parse_bool(s: &str) -> Result<bool, NumError> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(NumError {
            func: "ParseBool",
            input: s.to_owned(),
            kind: NumErrorKind::Syntax,
        }),
    }
}

/// `strconv.ParseInt(s, base, bits)` for base 0 (Go literal prefixes and underscores) or 10.
pub(crate) fn parse_int(s: &str, base0: bool, bits: u32) -> Result<i64, NumError> {
    let err = |kind| NumError {
        func: "ParseInt",
        input: s.to_owned(),
        kind,
    };
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if !base0 {
        (10, body)
    } else if let Some(rest) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (16, rest)
    } else if let Some(rest) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (8, rest)
    } else if let Some(rest) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (2, rest)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    let prefixed = digits.len() != body.len();

    // Underscores may only sit between digits (or right after a base prefix), and only in
    // base 0.
    let mut clean = String::new();
    let mut prev_underscore_ok = prefixed;
    let mut last_was_underscore = false;
    for c in digits.chars() {
        if c == '_' {
            if !base0 || !prev_underscore_ok {
                return Err(err(NumErrorKind::Syntax));
            }
            last_was_underscore = true;
            prev_underscore_ok = false;
            continue;
        }
        if !c.is_digit(radix) {
            return Err(err(NumErrorKind::Syntax));
        }
        clean.push(c);
        prev_underscore_ok = true;
        last_was_underscore = false;
    }
    if clean.is_empty() {
        return Err(err(NumErrorKind::Syntax));
    }
    if last_was_underscore {
        return Err(err(NumErrorKind::Syntax));
    }
    let magnitude = match u128::from_str_radix(&clean, radix) {
        Ok(v) => v,
        Err(_) => return Err(err(NumErrorKind::Range)),
    };
    let limit = 1u128 << (bits - 1);
    if (!neg && magnitude >= limit) || (neg && magnitude > limit) {
        return Err(err(NumErrorKind::Range));
    }
    let v = magnitude as i128;
    Ok(if neg { -v } else { v } as i64)
}

/// `time.ParseDuration`, with Go's error texts.
pub fn parse_duration(orig: &str) -> Result<GoDuration, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(orig));
    let mut s = orig;
    let mut neg = false;
    if let Some(c) = s.chars().next()
        && (c == '-' || c == '+')
    {
        neg = c == '-';
        s = &s[1..];
    }
    if s == "0" {
        return Ok(GoDuration(0));
    }
    if s.is_empty() {
        return Err(invalid());
    }

    let mut total: u128 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let int_part: u128 = if int_len == 0 {
            0
        } else {
            s[..int_len].parse().map_err(|_| invalid())?
        };
        if int_part > 1 << 63 {
            return Err(invalid());
        }
        s = &s[int_len..];
        let (mut frac, mut scale, mut frac_len) = (0u128, 1u128, 0usize);
        if s.starts_with('.') {
            s = &s[1..];
            for c in s.bytes().take_while(u8::is_ascii_digit) {
                frac_len += 1;
                if scale < 1_000_000_000_000_000_000 {
                    frac = frac * 10 + u128::from(c - b'0');
                    scale *= 10;
                }
            }
            s = &s[frac_len..];
        }
        if int_len == 0 && frac_len == 0 {
            return Err(invalid());
        }
        let unit_len = s
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(s.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                time_quote(orig)
            ));
        }
        let unit_text = &s[..unit_len];
        s = &s[unit_len..];
        let unit: u128 = match unit_text {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    time_quote(unit_text),
                    time_quote(orig)
                ));
            }
        };
        let mut v = int_part * unit;
        if v > 1 << 63 {
            return Err(invalid());
        }
        if frac > 0 {
            v += ((frac as f64) * (unit as f64 / scale as f64)) as u128;
        }
        total += v;
        if total > 1 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok(GoDuration((total as i128).wrapping_neg() as i64));
    }
    if total > (1 << 63) - 1 {
        return Err(invalid());
    }
    Ok(GoDuration(total as i64))
}

/// The `time` package's own quoting (a plain pair of double quotes around escaped text).
fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn parse_int_accepts_go_literals() {
        assert_eq!(parse_int("42", true, 64), Ok(42));
        assert_eq!(parse_int("-0x10", true, 64), Ok(-16));
        assert_eq!(parse_int("010", true, 64), Ok(8));
        assert_eq!(parse_int("0", true, 64), Ok(0));
        assert_eq!(parse_int("1_000", true, 64), Ok(1000));
        assert_eq!(parse_int("0b11", true, 32), Ok(3));
    }

    #[test]
    fn parse_int_errors_read_as_go_prints_them() {
        let e = parse_int("x", true, 64).unwrap_err();
        assert_eq!(
            e.to_string(),
            "strconv.ParseInt: parsing \"x\": invalid syntax"
        );
        let e = parse_int("99999999999", true, 32).unwrap_err();
        assert_eq!(
            e.to_string(),
            "strconv.ParseInt: parsing \"99999999999\": value out of range"
        );
        assert!(parse_int("", true, 64).is_err());
        assert!(parse_int("1_", true, 64).is_err());
        assert!(parse_int("0x", true, 64).is_err());
        assert!(parse_int("010", false, 32).is_ok());
    }

    #[test]
    fn parse_bool_takes_go_spellings_only() {
        assert_eq!(parse_bool("T"), Ok(true));
        assert_eq!(parse_bool("0"), Ok(false));
        assert_eq!(
            parse_bool("yes").unwrap_err().to_string(),
            "strconv.ParseBool: parsing \"yes\": invalid syntax"
        );
    }

    #[test]
    fn parse_duration_matches_go() {
        assert_eq!(parse_duration("1h5m"), Ok(GoDuration(3_900_000_000_000)));
        assert_eq!(parse_duration("1.5s"), Ok(GoDuration(1_500_000_000)));
        assert_eq!(parse_duration("-0"), Ok(GoDuration(0)));
        assert_eq!(
            parse_duration("x").unwrap_err(),
            "time: invalid duration \"x\""
        );
        assert_eq!(
            parse_duration("1").unwrap_err(),
            "time: missing unit in duration \"1\""
        );
        assert_eq!(
            parse_duration("1q").unwrap_err(),
            "time: unknown unit \"q\" in duration \"1q\""
        );
    }

    #[test]
    fn quote_escapes_like_strconv() {
        assert_eq!(go_quote("a\"b\\\n\u{1}"), "\"a\\\"b\\\\\\n\\x01\"");
        assert_eq!(go_quote("é"), "\"é\"");
    }
}
