//! Rewrites `promql-parser` messages into Go Prometheus's `<line>:<col>: parse error: <msg>`.
//!
//! The Rust parser reports no position and words some messages differently. Wording is mapped
//! for the messages agents commonly meet (type errors in calls, unknown functions, argument
//! counts); the position is derived from the message where that is unambiguous (end of input,
//! a stray bracket, a function's first argument) and is `1:1` otherwise.
//!
//! TODO: exact positions need the parser's spans; promql-parser 0.11 does not expose them, so
//! the fallback position can differ from Prometheus's.

/// Go Prometheus's text for a parse failure of `query` with the Rust parser's `message`.
pub(crate) fn go_parse_error(query: &str, message: &str) -> String {
    let mut text = go_wording(message);
    // An open bracket with no duration after it fails in Go's duration lexer first.
    if message == "unexpected end of input inside brackets"
        && query
            .rsplit('[')
            .next()
            .is_some_and(|rest| rest.trim().chars().all(|c| c.is_ascii_digit()))
    {
        text = "missing unit character in duration".into();
    }
    let (line, col) = position(query, message);
    format!("{line}:{col}: parse error: {text}")
}

/// Maps the Rust parser's wording to the Go parser's.
fn go_wording(message: &str) -> String {
    let mut m = message.to_string();
    // Value types: "matrix" is "range vector" and "vector" is "instant vector" in Go's texts.
    if m.starts_with("expected type ") {
        m = m
            .replace("type matrix", "type range vector")
            .replace("got matrix", "got range vector")
            .replace("type vector", "type instant vector")
            .replace("got vector", "got instant vector");
    }
    if m.starts_with("invalid promql query") {
        return "unexpected end of input".into();
    }
    if m == "unexpected end of input inside brackets" {
        return "unclosed left bracket".into();
    }
    let quotes_names = ["expected type", "unknown function", "expected "]
        .iter()
        .any(|p| m.starts_with(p));
    if quotes_names {
        swap_single_quotes(&m)
    } else {
        m
    }
}

/// Go quotes names with `%q`: turn `'name'` into `"name"`.
fn swap_single_quotes(m: &str) -> String {
    let mut out = String::with_capacity(m.len());
    let mut chars = m.chars().peekable();
    let mut open = false;
    while let Some(c) = chars.next() {
        // A quote opens after a space or at the start, and closes before a space, comma or end.
        if c == '\'' {
            let next = chars.peek().copied();
            let closing = open && next.is_none_or(|n| n == ' ' || n == ',' || n == ')');
            let opening = !open && (out.is_empty() || out.ends_with(' '));
            if closing || opening {
                out.push('"');
                open = !open;
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// A 1-based `(line, column)` for the error, counting the column from the last newline.
fn position(query: &str, message: &str) -> (usize, usize) {
    let at = |offset: usize| {
        let before = &query[..offset.min(query.len())];
        let line = before.matches('\n').count() + 1;
        let col = before
            .rfind('\n')
            .map_or(before.len(), |p| before.len() - p - 1)
            + 1;
        (line, col)
    };
    if message.starts_with("unclosed left")
        || message.starts_with("unexpected end of input")
        || message.starts_with("invalid promql query")
    {
        return at(query.len());
    }
    if message.contains("right bracket")
        && let Some(p) = query.find(']')
    {
        return at(p);
    }
    if message.contains("right parenthesis")
        && let Some(p) = query.find(')')
    {
        return at(p);
    }
    if let Some(name) = quoted_name(message) {
        if message.starts_with("unknown function")
            && let Some(p) = query.find(&name)
        {
            return at(p);
        }
        if message.starts_with("expected type")
            && let Some(p) = query.find(&format!("{name}("))
        {
            let args = p + name.len() + 1;
            let skip = query[args..].len() - query[args..].trim_start().len();
            return at(args + skip);
        }
    }
    (1, 1)
}

/// The first `'quoted'` name in a message.
fn quoted_name(message: &str) -> Option<String> {
    let start = message.find('\'')? + 1;
    let len = message[start..].find('\'')?;
    Some(message[start..start + len].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unclosed_parenthesis_points_past_the_end() {
        assert_eq!(
            go_parse_error("sum(", "unclosed left parenthesis"),
            "1:5: parse error: unclosed left parenthesis"
        );
    }

    #[test]
    fn call_type_errors_use_go_wording_and_argument_position() {
        assert_eq!(
            go_parse_error(
                "rate(up)",
                "expected type matrix in call to function 'rate', got vector"
            ),
            "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector"
        );
    }

    #[test]
    fn stray_bracket_is_located() {
        assert_eq!(
            go_parse_error("invalid][query", "unexpected right bracket ']'"),
            "1:8: parse error: unexpected right bracket ']'"
        );
    }
}
