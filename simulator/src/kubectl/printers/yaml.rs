//! `-o yaml`: the YAML that kubectl prints, i.e. what `sigs.k8s.io/yaml` produces by running
//! the JSON form through go-yaml v2's emitter.
//!
//! The emitter is reproduced where kubectl output depends on it: go-yaml's key order (letters
//! after other characters, digit runs compared as numbers), sequences not indented under their
//! key, a string quoted when it would read back as another type (`"true"`, `"80"`, timestamps),
//! single quotes when a plain scalar is not allowed, `|`/`|-`/`|+` blocks for multi-line text,
//! double quotes with escapes for control characters, and folding of long lines at column 80.

use std::cmp::Ordering;

use serde_json::Value;

/// go-yaml's preferred line width: plain and quoted scalars fold at spaces beyond it.
const BEST_WIDTH: usize = 80;
/// go-yaml's indentation step.
const BEST_INDENT: i32 = 2;

/// Prints `value` as `kubectl -o yaml` does. The text ends with a newline.
pub fn print_yaml(value: &Value) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
    };
    e.node(value, -1, Context::Root);
    e.write_indent(0);
    e.out
}

/// Where a node sits: it decides indentation and whether a sequence is indented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    MappingValue,
    SequenceItem,
}

/// The scalar styles go-yaml can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// The output and the emitter state that layout decisions depend on.
struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
}

impl Emitter {
    fn node(&mut self, value: &Value, indent: i32, ctx: Context) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                let indent = if indent < 0 { 0 } else { indent + BEST_INDENT };
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| key_order(a.0, b.0));
                for (key, item) in entries {
                    let key = fold_next_lines(key);
                    self.write_indent(indent);
                    if is_simple_key(&key) {
                        self.string(&key, indent, true);
                        self.write_indicator(":", false, false, false);
                    } else {
                        // go-yaml writes multi-line and very long keys in the `? key` form.
                        self.write_indicator("?", true, false, true);
                        self.string(&key, indent + BEST_INDENT, false);
                        self.write_indent(indent);
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(item, indent, Context::MappingValue);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                let indentless = ctx == Context::MappingValue && !self.indention;
                let indent = if indent < 0 {
                    0
                } else if indentless {
                    indent
                } else {
                    indent + BEST_INDENT
                };
                for item in items {
                    self.write_indent(indent);
                    self.write_indicator("-", true, false, true);
                    self.node(item, indent, Context::SequenceItem);
                }
            }
            Value::Object(_) => {
                self.write_indicator("{", true, true, false);
                self.write_indicator("}", false, false, false);
            }
            Value::Array(_) => {
                self.write_indicator("[", true, true, false);
                self.write_indicator("]", false, false, false);
            }
            Value::String(s) => {
                let scalar_indent = if indent < 0 {
                    BEST_INDENT
                } else {
                    indent + BEST_INDENT
                };
                self.string(&fold_next_lines(s), scalar_indent, false);
            }
            Value::Null => self.plain("null", false, 0),
            Value::Bool(b) => self.plain(if *b { "true" } else { "false" }, false, 0),
            Value::Number(n) => self.plain(&yaml_number(n), false, 0),
        }
    }

    /// Emits a string scalar, choosing its style as go-yaml does. `indent` is the scalar's own
    /// indentation, used by folded lines and block contents.
    fn string(&mut self, s: &str, indent: i32, simple_key: bool) {
        let analysis = Analysis::of(s);
        let can_use_plain = resolves_to_string(s) && !is_base60_float(s);
        let mut style = if s.contains('\n') {
            Style::Literal
        } else if can_use_plain {
            Style::Plain
        } else {
            Style::DoubleQuoted
        };

        if simple_key && analysis.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain && (!analysis.block_plain_allowed || (s.is_empty() && simple_key))
        {
            style = Style::SingleQuoted;
        }
        if style == Style::SingleQuoted && !analysis.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!analysis.block_allowed || simple_key) {
            style = Style::DoubleQuoted;
        }

        let indent = indent.max(0) as usize;
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.plain(s, allow_breaks, indent),
            Style::SingleQuoted => self.single_quoted(s, allow_breaks, indent),
            Style::DoubleQuoted => self.double_quoted(s, allow_breaks, indent),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn plain(&mut self, s: &str, allow_breaks: bool, indent: usize) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &ch) in chars.iter().enumerate() {
            if ch == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_is_space {
                    self.write_indent(indent as i32);
                } else {
                    self.put(ch);
                }
                spaces = true;
            } else if is_break(ch) {
                if !breaks && ch == '\n' {
                    self.put_break();
                }
                self.write_break(ch);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent as i32);
                }
                self.put(ch);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn single_quoted(&mut self, s: &str, allow_breaks: bool, indent: usize) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &ch) in chars.iter().enumerate() {
            if ch == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                    && !next_is_space
                {
                    self.write_indent(indent as i32);
                } else {
                    self.put(ch);
                }
                spaces = true;
            } else if is_break(ch) {
                if !breaks && ch == '\n' {
                    self.put_break();
                }
                self.write_break(ch);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent as i32);
                }
                if ch == '\'' {
                    self.put('\'');
                }
                self.put(ch);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
    }

    fn double_quoted(&mut self, s: &str, allow_breaks: bool, indent: usize) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &ch) in chars.iter().enumerate() {
            if !is_printable(ch) || ch == '\u{feff}' || is_break(ch) || ch == '"' || ch == '\\' {
                self.put('\\');
                let escape = match ch {
                    '\0' => "0".to_owned(),
                    '\u{7}' => "a".to_owned(),
                    '\u{8}' => "b".to_owned(),
                    '\t' => "t".to_owned(),
                    '\n' => "n".to_owned(),
                    '\u{b}' => "v".to_owned(),
                    '\u{c}' => "f".to_owned(),
                    '\r' => "r".to_owned(),
                    '\u{1b}' => "e".to_owned(),
                    '"' => "\"".to_owned(),
                    '\\' => "\\".to_owned(),
                    '\u{85}' => "N".to_owned(),
                    '\u{a0}' => "_".to_owned(),
                    '\u{2028}' => "L".to_owned(),
                    '\u{2029}' => "P".to_owned(),
                    c if (c as u32) <= 0xff => format!("x{:02X}", c as u32),
                    c if (c as u32) <= 0xffff => format!("u{:04X}", c as u32),
                    c => format!("U{:08X}", c as u32),
                };
                self.put_str(&escape);
                spaces = false;
            } else if ch == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                {
                    self.write_indent(indent as i32);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(ch);
                }
                spaces = true;
            } else {
                self.put(ch);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.write_indicator("|", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.put_str(&BEST_INDENT.to_string());
        }
        match chars.as_slice() {
            [] => self.put('-'),
            [.., last] if !is_break(*last) => self.put('-'),
            [_] => self.put('+'),
            [.., before, _] if is_break(*before) => self.put('+'),
            _ => {}
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;

        let mut breaks = true;
        for &ch in &chars {
            if is_break(ch) {
                self.write_break(ch);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent as i32);
                    breaks = false;
                }
                self.put(ch);
                self.indention = false;
            }
        }
    }

    fn write_indent(&mut self, indent: i32) {
        let indent = indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        text: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.put_str(text);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn put(&mut self, ch: char) {
        self.out.push(ch);
        self.column += 1;
    }

    fn put_str(&mut self, text: &str) {
        for ch in text.chars() {
            self.put(ch);
        }
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, ch: char) {
        if ch == '\n' {
            self.put_break();
        } else {
            self.out.push(ch);
            self.column = 0;
        }
    }
}

/// Whether go-yaml writes `key` as a simple `key:` (one line, at most 128 bytes).
fn is_simple_key(key: &str) -> bool {
    key.len() <= 128 && !key.chars().any(is_break)
}

/// The string as it comes out of the JSON-to-YAML round trip of `sigs.k8s.io/yaml`.
///
/// Go's JSON encoder leaves U+0085 (NEL) raw, and the YAML parser then reads it as a line
/// break inside a double-quoted scalar, which folds: blanks around the break go, a single
/// break becomes a space and a run of n breaks becomes n-1 newlines.
fn fold_next_lines(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\u{85}') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find('\u{85}') {
        out.push_str(rest[..pos].trim_end_matches([' ', '\t']));
        let mut after = &rest[pos..];
        let mut breaks = 0;
        loop {
            let trimmed = after.trim_start_matches([' ', '\t']);
            match trimmed.strip_prefix('\u{85}') {
                Some(more) => {
                    breaks += 1;
                    after = more;
                }
                None => {
                    after = trimmed;
                    break;
                }
            }
        }
        if breaks == 1 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', breaks - 1));
        }
        rest = after;
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// What go-yaml's `yaml_emitter_analyze_scalar` learns about a scalar (block context only).
#[derive(Debug, Clone, Copy)]
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

impl Analysis {
    fn of(s: &str) -> Analysis {
        if s.is_empty() {
            return Analysis {
                multiline: false,
                block_plain_allowed: true,
                single_quoted_allowed: true,
                block_allowed: false,
            };
        }
        let chars: Vec<char> = s.chars().collect();
        let mut block_indicators = s.starts_with("---") || s.starts_with("...");
        let (mut line_breaks, mut special) = (false, false);
        let (mut leading_space, mut leading_break) = (false, false);
        let (mut trailing_space, mut trailing_break) = (false, false);
        let (mut break_space, mut space_break) = (false, false);
        let (mut previous_space, mut previous_break) = (false, false);
        let mut preceded_by_whitespace = true;

        for (i, &ch) in chars.iter().enumerate() {
            let last = i + 1 == chars.len();
            let followed_by_whitespace = chars.get(i + 1).is_none_or(|&c| c == ' ' || c == '\t');
            if i == 0 {
                match ch {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => block_indicators = true,
                    '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                    _ => {}
                }
            } else {
                match ch {
                    ':' if followed_by_whitespace => block_indicators = true,
                    '#' if preceded_by_whitespace => block_indicators = true,
                    _ => {}
                }
            }

            if !is_printable(ch) {
                special = true;
            }
            if ch == ' ' {
                leading_space |= i == 0;
                trailing_space |= last;
                break_space |= previous_break;
                previous_space = true;
                previous_break = false;
            } else if is_break(ch) {
                line_breaks = true;
                leading_break |= i == 0;
                trailing_break |= last;
                space_break |= previous_space;
                previous_space = false;
                previous_break = true;
            } else {
                previous_space = false;
                previous_break = false;
            }
            preceded_by_whitespace = ch == ' ' || ch == '\t' || is_break(ch) || ch == '\0';
        }

        let mut a = Analysis {
            multiline: line_breaks,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
        if leading_space || leading_break || trailing_space || trailing_break {
            a.block_plain_allowed = false;
        }
        if trailing_space {
            a.block_allowed = false;
        }
        if break_space {
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
        }
        if space_break || special {
            a.block_plain_allowed = false;
            a.single_quoted_allowed = false;
            a.block_allowed = false;
        }
        if line_breaks || block_indicators {
            a.block_plain_allowed = false;
        }
        a
    }
}

/// Characters go-yaml may write unescaped (with its unicode output on).
fn is_printable(ch: char) -> bool {
    matches!(ch as u32,
        0x0a | 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfffd)
        && ch != '\u{feff}'
}

fn is_break(ch: char) -> bool {
    matches!(ch, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Whether go-yaml would read `s`, written plain, back as a string (and not as a null, bool,
/// number or timestamp).
fn resolves_to_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no",
        "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null",
        "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF", "<<",
    ];
    let Some(&first) = s.as_bytes().first() else {
        return false;
    };
    let hinted = matches!(first, b'+' | b'-' | b'0'..=b'9' | b'.')
        || b"yYnNtTfFoO~".contains(&first)
        || s == "<<";
    if !hinted {
        return true;
    }
    if SPECIAL.contains(&s) {
        return false;
    }
    match first {
        b'.' => !go_parses_float(s),
        b'+' | b'-' | b'0'..=b'9' => {
            if is_yaml_timestamp(s) {
                return false;
            }
            let plain = s.replace('_', "");
            if go_parses_int(&plain) {
                return false;
            }
            if is_yaml_style_float(&plain) && go_parses_float(&plain) {
                return false;
            }
            let binary = plain
                .strip_prefix("0b")
                .or_else(|| plain.strip_prefix("-0b"));
            !binary.is_some_and(|b| !b.is_empty() && b.bytes().all(|c| c == b'0' || c == b'1'))
        }
        _ => true,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` would succeed (range ignored
/// beyond 64 bits, where go-yaml falls back to a float or a string alike).
fn go_parses_int(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (digits, radix) = if let Some(rest) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (rest, 16)
    } else if let Some(rest) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (rest, 8)
    } else if let Some(rest) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (rest, 2)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    !digits.is_empty() && u64::from_str_radix(digits, radix).is_ok()
}

/// Go's `strconv.ParseFloat` would accept `s` (decimal forms; also `inf`, `nan`).
fn go_parses_float(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity") {
        return true;
    }
    if lower == "nan" {
        return s == body;
    }
    if lower.starts_with("0x") {
        return false;
    }
    body.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && body.parse::<f64>().is_ok()
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`: sexagesimal numbers go-yaml quotes.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        let group = &b[start..i];
        let ok = match group {
            [d] => d.is_ascii_digit(),
            [a, _] => (b'0'..=b'5').contains(a),
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Whether go-yaml reads `s` as a timestamp: one of the layouts `2006-1-2T15:4:5.999999999Z07:00`
/// (also with `t` or a space, the latter without zone) or `2006-1-2`, as Go's `time.Parse`
/// accepts them.
fn is_yaml_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut cur = Cursor { b, i: 5 };
    let year: u32 = std::str::from_utf8(&b[..4])
        .ok()
        .and_then(|y| y.parse().ok())
        .unwrap_or(0);
    let Some(month) = cur.num().filter(|m| (1..=12).contains(m)) else {
        return false;
    };
    if !cur.lit(b'-') {
        return false;
    }
    let Some(day) = cur.num() else {
        return false;
    };
    if day < 1 || day > days_in(month, year) {
        return false;
    }
    if cur.done() {
        return true;
    }
    let sep = b[cur.i];
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    cur.i += 1;
    let hms = [cur.num(), if cur.lit(b':') { cur.num() } else { None }];
    let [Some(h), Some(m)] = hms else {
        return false;
    };
    if !cur.lit(b':') {
        return false;
    }
    let Some(sec) = cur.num() else {
        return false;
    };
    if h >= 24 || m >= 60 || sec >= 60 {
        return false;
    }
    if b.get(cur.i) == Some(&b'.') && b.get(cur.i + 1).is_some_and(u8::is_ascii_digit) {
        cur.i += 1;
        while b.get(cur.i).is_some_and(u8::is_ascii_digit) {
            cur.i += 1;
        }
    }
    if sep == b' ' {
        return cur.done();
    }
    if cur.lit(b'Z') {
        return cur.done();
    }
    let rest = &b[cur.i..];
    rest.len() == 6
        && matches!(rest[0], b'+' | b'-')
        && rest[1].is_ascii_digit()
        && rest[2].is_ascii_digit()
        && rest[3] == b':'
        && rest[4].is_ascii_digit()
        && rest[5].is_ascii_digit()
}

/// A position in a byte string, for the timestamp matcher.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    /// One or two digits, as Go's non-padded layout elements read them.
    fn num(&mut self) -> Option<u32> {
        let first = *self.b.get(self.i).filter(|c| c.is_ascii_digit())?;
        self.i += 1;
        let mut n = u32::from(first - b'0');
        if let Some(&second) = self.b.get(self.i).filter(|c| c.is_ascii_digit()) {
            self.i += 1;
            n = n * 10 + u32::from(second - b'0');
        }
        Some(n)
    }

    fn lit(&mut self, c: u8) -> bool {
        let hit = self.b.get(self.i) == Some(&c);
        self.i += usize::from(hit);
        hit
    }

    fn done(&self) -> bool {
        self.i == self.b.len()
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A number as it reaches go-yaml through JSON: integers stay integers (also whole floats, which
/// Go's JSON encoder writes without a fraction), other floats print in `%g` form.
fn yaml_number(n: &serde_json::Number) -> String {
    let json = super::json::go_number(n);
    if !json.contains(['.', 'e', 'E']) {
        return json;
    }
    let f: f64 = json.parse().unwrap_or(0.0);
    go_g_format(f)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` (also `fmt`'s `%v` of a float64).
pub(crate) fn go_g_format(f: f64) -> String {
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    format!("{f}")
}

/// go-yaml's order of map keys: rune by rune, letters after other characters, runs of digits
/// compared by value.
///
/// The relation is not transitive for some keys with leading zeros (`"09"`, `"017"`,
/// `"0b1"`), where go-yaml's result depends on Go's random map order; a stable sort gives one
/// of the orders kubectl can print.
pub(crate) fn key_order(a: &str, b: &str) -> Ordering {
    if key_less(a, b) {
        Ordering::Less
    } else if key_less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

fn key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sequences_sit_at_their_key_column() {
        let v = json!({"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]}});
        let want = "spec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: 80\n";
        assert_eq!(print_yaml(&v), want);
    }

    #[test]
    fn strings_that_read_as_other_types_are_double_quoted() {
        for s in [
            "true",
            "123",
            "",
            "2025-12-01T10:00:00Z",
            "1:20",
            "yes",
            "0x1F",
            "1e5",
            "null",
            "~",
            ".5",
            "+1",
            "1_000",
            "2025-12-01",
        ] {
            assert_eq!(
                print_yaml(&json!({"a": s})),
                format!("a: \"{s}\"\n"),
                "{s:?}"
            );
        }
    }

    #[test]
    fn strings_with_indicators_are_single_quoted() {
        for s in [
            "- x", "*star", "x: y", " lead", "a #b", "@x", "%x", "[x]", "-",
        ] {
            assert_eq!(print_yaml(&json!({"a": s})), format!("a: '{s}'\n"), "{s:?}");
        }
        assert_eq!(print_yaml(&json!({"a": "it's"})), "a: it's\n");
        assert_eq!(print_yaml(&json!({"a": "a#b"})), "a: a#b\n");
        assert_eq!(print_yaml(&json!({"a": "<b>&"})), "a: <b>&\n");
    }

    #[test]
    fn multi_line_strings_become_literal_blocks() {
        assert_eq!(print_yaml(&json!({"a": "x\ny\n"})), "a: |\n  x\n  y\n");
        assert_eq!(print_yaml(&json!({"a": "x\ny"})), "a: |-\n  x\n  y\n");
        assert_eq!(
            print_yaml(&json!({"a": "\n\nfoo\n\n", "b": 1})),
            "a: |2+\n\n\n  foo\n\nb: 1\n"
        );
        assert_eq!(
            print_yaml(&json!({"a": "trail \nx"})),
            "a: \"trail \\nx\"\n"
        );
    }

    #[test]
    fn control_characters_are_escaped_in_double_quotes() {
        assert_eq!(
            print_yaml(&json!({"x": "\u{8}\u{c}\u{1}\u{2028}"})),
            "x: \"\\b\\f\\x01\\L\"\n"
        );
        assert_eq!(
            print_yaml(&json!({"x": "tab\there"})),
            "x: \"tab\\there\"\n"
        );
        assert_eq!(print_yaml(&json!({"x": "é 😀"})), "x: \"é \\U0001F600\"\n");
    }

    #[test]
    fn long_plain_strings_fold_after_column_eighty() {
        let s = "a long string with many words that goes well past the eighty column limit of \
                 go yaml emitter for sure yes";
        let want = "metadata:\n  annotations:\n    b3: a long string with many words that goes \
                    well past the eighty column limit\n      of go yaml emitter for sure yes\n";
        assert_eq!(
            print_yaml(&json!({"metadata": {"annotations": {"b3": s}}})),
            want
        );
    }

    #[test]
    fn keys_follow_go_yaml_order() {
        let mut keys = vec!["a10", "Zed", "_u", "a2", "k9", "k10", "a1", "b"];
        keys.sort_by(|a, b| key_order(a, b));
        assert_eq!(keys, ["_u", "Zed", "a1", "a2", "a10", "b", "k9", "k10"]);
    }

    #[test]
    fn empty_collections_and_numbers() {
        let v = json!({"e": [], "m": {}, "f": 0.5, "g": 1.5e-7, "h": 1.0, "n": null, "t": true});
        assert_eq!(
            print_yaml(&v),
            "e: []\nf: 0.5\ng: 1.5e-07\nh: 1\nm: {}\n\"n\": null\nt: true\n"
        );
        assert_eq!(print_yaml(&json!({})), "{}\n");
    }
}
