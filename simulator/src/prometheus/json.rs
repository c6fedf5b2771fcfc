//! JSON text the way Go's encoder writes it: HTML-safe string escapes, float and timestamp forms.

use std::fmt::Write;

use crate::promql::labels::Labels;

/// A JSON string literal with Go's escaping (`<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`).
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A label set as a JSON object in label order.
pub(crate) fn labels_json(labels: &Labels) -> String {
    let parts: Vec<String> = labels
        .iter()
        .map(|(n, v)| format!("{}:{}", json_string(n), json_string(v)))
        .collect();
    format!("{{{}}}", parts.join(","))
}

/// A timestamp in seconds with up to three decimals, as Prometheus marshals it (`1.500`).
pub(crate) fn timestamp_json(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let abs = ms.unsigned_abs();
    let (secs, frac) = (abs / 1000, abs % 1000);
    if frac == 0 {
        format!("{sign}{secs}")
    } else {
        format!("{sign}{secs}.{frac:03}")
    }
}

/// A float as Go's `encoding/json` writes one: plain decimals, exponent form outside
/// `[1e-6, 1e21)`.
pub(crate) fn go_json_float(v: f64) -> String {
    if !v.is_finite() {
        // Go refuses to encode these; Prometheus never sends them in number fields.
        return "0".into();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let s = format!("{v:e}");
        // Go writes at least two exponent digits: 1e-07.
        if let Some((mantissa, exp)) = s.split_once('e') {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ("-", d),
                None => ("+", exp),
            };
            return format!("{mantissa}e{sign}{digits:0>2}");
        }
        return s;
    }
    format!("{v}")
}

/// A comma-separated JSON array under construction.
pub(crate) struct JsonOut {
    buf: String,
    first: bool,
}

impl JsonOut {
    pub(crate) fn array() -> Self {
        Self {
            buf: String::from("["),
            first: true,
        }
    }

    pub(crate) fn item(&mut self, json: &str) {
        if !self.first {
            self.buf.push(',');
        }
        self.first = false;
        self.buf.push_str(json);
    }

    pub(crate) fn finish(mut self) -> String {
        self.buf.push(']');
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_html_like_go() {
        assert_eq!(json_string("a<b>&\"c\""), r#""a\u003cb\u003e\u0026\"c\"""#);
    }

    #[test]
    fn timestamps_keep_three_decimals() {
        assert_eq!(timestamp_json(1_435_781_451_781), "1435781451.781");
        assert_eq!(timestamp_json(1_500), "1.500");
        assert_eq!(timestamp_json(-1_500), "-1.500");
        assert_eq!(timestamp_json(2_000), "2");
    }

    #[test]
    fn floats_switch_to_exponent_form_like_go() {
        assert_eq!(go_json_float(0.004123), "0.004123");
        assert_eq!(go_json_float(1e-7), "1e-07");
        assert_eq!(go_json_float(1e21), "1e+21");
    }
}
