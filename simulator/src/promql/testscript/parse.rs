//! Parsing of test scripts into commands: `load`, `clear` and `eval` blocks.

use super::TestScriptError;
use crate::promql::labels::Labels;
use crate::promql::storage::stale_nan;

/// One value of a series definition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Point {
    /// A float sample (a staleness marker is the stale NaN).
    Value(f64),
    /// No sample at this position (`_`).
    Omitted,
}

/// A series line: labels and points, or a native histogram series this engine does not load.
#[derive(Debug, Clone)]
pub(crate) struct SeriesDef {
    pub(crate) labels: Labels,
    pub(crate) points: Vec<Point>,
    /// The line used `{{...}}` native histogram samples.
    pub(crate) histogram: bool,
}

/// What an `eval` expects besides the result lines.
#[derive(Debug, Clone, Default)]
pub(crate) struct Expectations {
    pub(crate) fail: Option<FailMatch>,
    pub(crate) ordered: bool,
    pub(crate) string: Option<String>,
    pub(crate) annotations: bool,
    pub(crate) range_vector: Option<(i64, i64, i64)>,
}

/// How an expected error message is matched.
#[derive(Debug, Clone)]
pub(crate) enum FailMatch {
    Any,
    Exact(String),
    Regex(String),
}

/// The expected result of an eval: series lines or a scalar.
#[derive(Debug, Clone)]
pub(crate) enum Expected {
    Series(SeriesDef),
    Scalar(f64),
}

/// The time specification of an eval.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EvalTime {
    Instant(i64),
    Range { start: i64, end: i64, step: i64 },
}

/// One command of a script with the line it starts on.
#[derive(Debug, Clone)]
pub(crate) enum Command {
    Load {
        interval: i64,
        nhcb: bool,
        series: Vec<SeriesDef>,
    },
    Clear,
    Eval {
        line: usize,
        time: EvalTime,
        query: String,
        expect: Expectations,
        expected: Vec<Expected>,
        /// A deprecated `eval_warn`/`eval_info` form: annotations are expected.
        annotations: bool,
    },
}

/// Splits a script into commands.
///
/// # Errors
///
/// [`TestScriptError::Syntax`] naming the line that does not parse.
pub(crate) fn parse_script(text: &str) -> Result<Vec<Command>, TestScriptError> {
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            let t = l.trim();
            if t.starts_with('#') {
                String::new()
            } else {
                t.to_string()
            }
        })
        .collect();
    let mut commands = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        if line.is_empty() {
            i += 1;
            continue;
        }
        let start = i;
        let mut body = Vec::new();
        i += 1;
        let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        while word != "clear" && i < lines.len() && !lines[i].is_empty() && !is_command(&lines[i]) {
            body.push((i + 1, lines[i].as_str()));
            i += 1;
        }
        let syntax = |message: String| TestScriptError::Syntax {
            line: start + 1,
            message,
        };
        match word {
            "clear" => commands.push(Command::Clear),
            "load" | "load_with_nhcb" => {
                let interval = parse_duration(rest.trim()).map_err(syntax)?;
                let mut series = Vec::new();
                for (n, l) in &body {
                    series.push(
                        parse_series_line(l)
                            .map_err(|message| TestScriptError::Syntax { line: *n, message })?,
                    );
                }
                commands.push(Command::Load {
                    interval,
                    nhcb: word == "load_with_nhcb",
                    series,
                });
            }
            w if w.starts_with("eval") => {
                commands.push(parse_eval(start + 1, word, rest, &body).map_err(syntax)?);
            }
            other => return Err(syntax(format!("unknown command {other:?}"))),
        }
    }
    Ok(commands)
}

/// Whether a line starts a new command.
fn is_command(line: &str) -> bool {
    let word = line.split_whitespace().next().unwrap_or("");
    word == "clear" || word == "load" || word == "load_with_nhcb" || word.starts_with("eval")
}

fn parse_eval(
    line: usize,
    word: &str,
    rest: &str,
    body: &[(usize, &str)],
) -> Result<Command, String> {
    let mut expect = Expectations::default();
    let mut annotations = false;
    match word {
        "eval" => {}
        "eval_fail" => expect.fail = Some(FailMatch::Any),
        "eval_ordered" => expect.ordered = true,
        "eval_warn" | "eval_info" => annotations = true,
        other => return Err(format!("unknown eval form {other:?}")),
    }
    let rest = rest.trim();
    let (time, query) = if let Some(r) = rest.strip_prefix("instant") {
        let r = r
            .trim_start()
            .strip_prefix("at")
            .ok_or("expected 'at'")?
            .trim();
        let (t, q) = r.split_once(char::is_whitespace).ok_or("missing query")?;
        (EvalTime::Instant(parse_duration(t)?), q.trim().to_string())
    } else if let Some(r) = rest.strip_prefix("range") {
        let words: Vec<&str> = r.split_whitespace().collect();
        if words.len() < 7 || words[0] != "from" || words[2] != "to" || words[4] != "step" {
            return Err("expected 'range from <t> to <t> step <d> <query>'".into());
        }
        // The query is what follows the sixth word.
        let mut rest_q = r.trim_start();
        for _ in 0..6 {
            let end = rest_q.find(char::is_whitespace).unwrap_or(rest_q.len());
            rest_q = rest_q[end..].trim_start();
        }
        (
            EvalTime::Range {
                start: parse_duration(words[1])?,
                end: parse_duration(words[3])?,
                step: parse_duration(words[5])?,
            },
            rest_q.to_string(),
        )
    } else {
        return Err("expected 'instant' or 'range'".into());
    };

    let mut expected = Vec::new();
    for (_, l) in body {
        if let Some(e) = l.strip_prefix("expect ") {
            parse_expect(e.trim(), &mut expect)?;
        } else if let Ok(v) = parse_number(l) {
            expected.push(Expected::Scalar(v));
        } else {
            expected.push(Expected::Series(parse_series_line(l)?));
        }
    }
    Ok(Command::Eval {
        line,
        time,
        query,
        expect,
        expected,
        annotations,
    })
}

fn parse_expect(e: &str, expect: &mut Expectations) -> Result<(), String> {
    let (kind, rest) = e.split_once(char::is_whitespace).unwrap_or((e, ""));
    let rest = rest.trim();
    match kind {
        "fail" => {
            expect.fail = Some(if let Some(m) = rest.strip_prefix("msg:") {
                FailMatch::Exact(unquote_loose(m.trim()))
            } else if let Some(r) = rest.strip_prefix("regex:") {
                FailMatch::Regex(unquote_loose(r.trim()))
            } else {
                FailMatch::Any
            });
        }
        "ordered" => expect.ordered = true,
        "warn" | "info" => expect.annotations = true,
        "no_warn" | "no_info" => {}
        "string" => expect.string = Some(unquote_loose(rest)),
        "range" => {
            let w: Vec<&str> = rest.split_whitespace().collect();
            if w.len() != 7 || w[0] != "vector" || w[1] != "from" || w[3] != "to" || w[5] != "step"
            {
                return Err(format!("bad range vector expectation {rest:?}"));
            }
            expect.range_vector = Some((
                parse_duration(w[2])?,
                parse_duration(w[4])?,
                parse_duration(w[6])?,
            ));
        }
        other => return Err(format!("unknown expectation {other:?}")),
    }
    Ok(())
}

/// Removes one pair of surrounding double quotes or backquotes, if present.
fn unquote_loose(s: &str) -> String {
    for q in ['"', '`'] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return s[1..s.len() - 1].to_string();
        }
    }
    s.to_string()
}

/// Parses a duration like `5m`, `1h30m`, `100ms` or `0` into milliseconds; a leading `-` negates.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    if let Some(rest) = s.strip_prefix('-') {
        return parse_duration(rest).map(|v| -v);
    }
    if s.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(secs) = s.parse::<f64>() {
        return Ok((secs * 1000.0).round() as i64);
    }
    let mut total: i64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("bad duration {s:?}"));
        }
        let n: i64 = rest[..digits]
            .parse()
            .map_err(|_| format!("bad duration {s:?}"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 604_800_000,
            "y" => 31_536_000_000,
            u => return Err(format!("unknown unit {u:?} in duration {s:?}")),
        };
        rest = &rest[unit_len..];
        total = total.saturating_add(n.saturating_mul(unit));
    }
    Ok(total)
}

/// Parses a float the way the test language writes one (`Inf`, `-Inf`, `NaN`, hex allowed).
fn parse_number(s: &str) -> Result<f64, String> {
    let lower = s.to_ascii_lowercase();
    let (neg, body) = match lower.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, lower.strip_prefix('+').unwrap_or(&lower)),
    };
    let v = match body {
        "inf" => f64::INFINITY,
        "nan" => f64::NAN,
        b if b.starts_with("0x") => i64::from_str_radix(&b[2..], 16)
            .map(|v| v as f64)
            .map_err(|_| format!("bad number {s:?}"))?,
        b if b.starts_with(|c: char| c.is_ascii_digit() || c == '.') => {
            b.parse::<f64>().map_err(|_| format!("bad number {s:?}"))?
        }
        _ => return Err(format!("bad number {s:?}")),
    };
    Ok(if neg { -v } else { v })
}

/// Parses `metric{a="b"} 1 2+3x4 _ stale`.
fn parse_series_line(line: &str) -> Result<SeriesDef, String> {
    let (labels, rest) = parse_series_desc(line)?;
    if rest.contains("{{") {
        return Ok(SeriesDef {
            labels,
            points: Vec::new(),
            histogram: true,
        });
    }
    let mut points = Vec::new();
    for token in rest.split_whitespace() {
        expand_token(token, &mut points)?;
    }
    Ok(SeriesDef {
        labels,
        points,
        histogram: false,
    })
}

/// Expands `a`, `_`, `stale`, `axN`, `_xN`, `a+bxN`, `a-bxN`.
fn expand_token(token: &str, out: &mut Vec<Point>) -> Result<(), String> {
    let (head, times) = match token.rfind('x') {
        Some(p)
            if p > 0
                && token[p + 1..].chars().all(|c| c.is_ascii_digit())
                && p + 1 < token.len() =>
        {
            let n: usize = token[p + 1..]
                .parse()
                .map_err(|_| format!("bad count in {token:?}"))?;
            (&token[..p], Some(n))
        }
        _ => (token, None),
    };
    match (head, times) {
        ("_", None) => out.push(Point::Omitted),
        ("_", Some(n)) => out.extend(std::iter::repeat_n(Point::Omitted, n)),
        ("stale", None) => out.push(Point::Value(stale_nan())),
        (h, None) => out.push(Point::Value(parse_number(h)?)),
        (h, Some(n)) => {
            // Split `a+b` / `a-b` at the sign that is not the leading one or an exponent's.
            let bytes = h.as_bytes();
            let split = (1..bytes.len()).find(|&i| {
                (bytes[i] == b'+' || bytes[i] == b'-') && !matches!(bytes[i - 1], b'e' | b'E')
            });
            let (base, step) = match split {
                Some(i) => (parse_number(&h[..i])?, parse_number(&h[i..])?),
                None => (parse_number(h)?, 0.0),
            };
            for k in 0..=n {
                out.push(Point::Value(base + step * k as f64));
            }
        }
    }
    Ok(())
}

/// Parses the series descriptor at the start of `line`; returns the labels and the rest.
fn parse_series_desc(line: &str) -> Result<(Labels, &str), String> {
    let mut labels = Labels::new();
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    if name_end > 0 {
        labels.set(crate::promql::labels::METRIC_NAME, &line[..name_end]);
    }
    let rest = &line[name_end..];
    if !rest.starts_with('{') {
        if name_end == 0 {
            return Err(format!("expected a series in {line:?}"));
        }
        return Ok((labels, rest));
    }
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    let mut i = 1;
    let mut pending_name: Option<String> = None;
    loop {
        while i < chars.len() && (chars[i].1.is_whitespace() || chars[i].1 == ',') {
            i += 1;
        }
        if i >= chars.len() {
            return Err(format!("unclosed braces in {line:?}"));
        }
        let c = chars[i].1;
        if c == '}' {
            if let Some(n) = pending_name.take() {
                labels.set(crate::promql::labels::METRIC_NAME, &n);
            }
            return Ok((labels, &rest[chars[i].0 + 1..]));
        }
        let name = if c == '"' || c == '\'' || c == '`' {
            let (s, next) = read_quoted(&chars, i)?;
            i = next;
            s
        } else {
            let start = i;
            while i < chars.len() && (chars[i].1.is_ascii_alphanumeric() || chars[i].1 == '_') {
                i += 1;
            }
            chars[start..i].iter().map(|(_, c)| *c).collect()
        };
        while i < chars.len() && chars[i].1.is_whitespace() {
            i += 1;
        }
        if i < chars.len() && chars[i].1 == '=' {
            i += 1;
            while i < chars.len() && chars[i].1.is_whitespace() {
                i += 1;
            }
            let (value, next) = read_quoted(&chars, i)?;
            i = next;
            labels.set(&name, &value);
        } else {
            // A bare quoted name inside braces is the metric name.
            pending_name = Some(name);
        }
    }
}

/// Reads a quoted string starting at `chars[i]`, handling Go escapes; returns it and the next
/// index.
fn read_quoted(chars: &[(usize, char)], i: usize) -> Result<(String, usize), String> {
    let quote = chars
        .get(i)
        .map(|c| c.1)
        .ok_or("expected a quoted string")?;
    if !matches!(quote, '"' | '\'' | '`') {
        return Err(format!("expected a quoted string, got {quote:?}"));
    }
    let mut out = String::new();
    let mut j = i + 1;
    while j < chars.len() {
        let c = chars[j].1;
        if c == quote {
            return Ok((out, j + 1));
        }
        if c == '\\' && quote != '`' {
            j += 1;
            match chars.get(j).map(|c| c.1) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                Some('\'') => out.push('\''),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => return Err("unterminated escape".into()),
            }
        } else {
            out.push(c);
        }
        j += 1;
    }
    Err("unterminated quoted string".into())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn expanding_notation_yields_n_plus_one_values() {
        let mut out = Vec::new();
        expand_token("1+2x3", &mut out).unwrap();
        assert_eq!(
            out,
            vec![
                Point::Value(1.0),
                Point::Value(3.0),
                Point::Value(5.0),
                Point::Value(7.0)
            ]
        );
        out.clear();
        expand_token("-2-1x1", &mut out).unwrap();
        assert_eq!(out, vec![Point::Value(-2.0), Point::Value(-3.0)]);
        out.clear();
        expand_token("_x2", &mut out).unwrap();
        assert_eq!(out, vec![Point::Omitted, Point::Omitted]);
    }

    #[test]
    fn series_descriptor_with_spaces_and_quotes() {
        let s = parse_series_line(r#"m{a="x y", b='z'} 1 2"#).unwrap();
        assert_eq!(s.labels.get("a"), Some("x y"));
        assert_eq!(s.labels.get("b"), Some("z"));
        assert_eq!(s.points.len(), 2);
    }

    #[test]
    fn durations_parse_with_compound_units() {
        assert_eq!(parse_duration("1h30m").unwrap(), 5_400_000);
        assert_eq!(parse_duration("0").unwrap(), 0);
        assert_eq!(parse_duration("100ms").unwrap(), 100);
    }
}
