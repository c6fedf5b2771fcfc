//! The JSONPath template parser of client-go (`k8s.io/client-go/util/jsonpath`), with its
//! error texts: text outside braces is printed as is, each `{...}` is an action.

/// One bound of an array subscript (`[start:end:step]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Param {
    /// The number given (or derived).
    pub value: i64,
    /// Whether a number was given (or derived).
    pub known: bool,
    /// Whether the end was derived from `[i]` as `i+1`.
    pub derived: bool,
}

/// A node of a parsed template.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// An action: its nodes are applied in turn.
    List(Vec<Node>),
    /// Literal text (outside braces, or a quoted string inside).
    Text(String),
    /// `.name`
    Field(String),
    /// `[start:end:step]`
    Array([Param; 3]),
    /// `[?(left op right)]`, or `[?(left)]` with operator `exists`.
    Filter {
        /// Evaluated on each element.
        left: Vec<Node>,
        /// Evaluated on each element.
        right: Vec<Node>,
        /// `==`, `!=`, `<`, `>`, `<=`, `>=` or `exists`.
        operator: String,
    },
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `.*` or `[*]` on a map.
    Wildcard,
    /// `..`
    Recursive,
    /// `[a,b]`: each part evaluated and the results joined.
    Union(Vec<Vec<Node>>),
    /// `range`, `end`, or an unknown word.
    Identifier(String),
}

/// Parses a whole template into its top-level nodes (text and actions).
///
/// # Errors
///
/// client-go's parse error text (`unclosed action`, `unterminated array`, ...).
pub(crate) fn parse(template: &str) -> Result<Vec<Node>, String> {
    let mut p = Parser {
        input: template.chars().collect(),
        pos: 0,
        start: 0,
    };
    p.parse_text()
}

struct Parser {
    input: Vec<char>,
    pos: usize,
    start: usize,
}

const EOF: char = '\u{0}';

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_end_of_line(c: char) -> bool {
    c == '\r' || c == '\n'
}

fn is_terminator(c: char) -> bool {
    is_space(c)
        || is_end_of_line(c)
        || matches!(c, EOF | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}')
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

impl Parser {
    fn next(&mut self) -> char {
        match self.input.get(self.pos) {
            Some(&c) => {
                self.pos += 1;
                c
            }
            None => {
                // Go's lexer moves past the end too, so that backup() restores the position.
                self.pos += 1;
                EOF
            }
        }
    }

    fn backup(&mut self) {
        self.pos -= 1;
    }

    fn peek(&self) -> char {
        self.input.get(self.pos).copied().unwrap_or(EOF)
    }

    fn has_prefix(&self, prefix: &str) -> bool {
        let rest = self.input.get(self.pos..).unwrap_or(&[]);
        prefix.chars().count() <= rest.len() && prefix.chars().zip(rest).all(|(a, &b)| a == b)
    }

    fn consume_text(&mut self) -> String {
        let end = self.pos.min(self.input.len());
        let text: String = self.input[self.start.min(end)..end].iter().collect();
        self.start = self.pos;
        text
    }

    fn parse_text(&mut self) -> Result<Vec<Node>, String> {
        let mut root = Vec::new();
        loop {
            if self.has_prefix("{") {
                if self.pos > self.start {
                    root.push(Node::Text(self.consume_text()));
                }
                self.pos += 1;
                self.consume_text();
                let mut list = Vec::new();
                self.parse_inside_action(&mut list)?;
                root.push(Node::List(list));
                continue;
            }
            if self.next() == EOF {
                break;
            }
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            root.push(Node::Text(self.consume_text()));
        }
        Ok(root)
    }

    /// Parses the inside of one action up to and including its `}`.
    fn parse_inside_action(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            if self.has_prefix("}") {
                self.pos += 1;
                self.consume_text();
                return Ok(());
            }
            if self.has_prefix("[?(") {
                self.parse_filter(cur)?;
                continue;
            }
            if self.has_prefix("..") {
                self.parse_recursive(cur)?;
                continue;
            }
            let r = self.next();
            match r {
                _ if r == EOF || is_end_of_line(r) => return Err("unclosed action".to_owned()),
                ' ' | '@' | '$' => {
                    self.consume_text();
                }
                '[' => self.parse_array(cur)?,
                '"' | '\'' => self.parse_quote(cur, r)?,
                '.' => self.parse_field(cur)?,
                _ if r == '+' || r == '-' || r.is_numeric() => {
                    self.backup();
                    self.parse_number(cur)?;
                }
                _ if is_alphanumeric(r) => {
                    self.backup();
                    self.parse_identifier(cur)?;
                }
                _ => {
                    return Err(format!(
                        "unrecognized character in action: U+{:04X} '{r}'",
                        r as u32
                    ));
                }
            }
        }
    }

    fn parse_identifier(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            let r = self.next();
            if is_terminator(r) {
                self.backup();
                break;
            }
        }
        let value = self.consume_text();
        cur.push(match value.as_str() {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            _ => Node::Identifier(value),
        });
        Ok(())
    }

    fn parse_recursive(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        if matches!(cur.last(), Some(Node::Recursive)) {
            return Err("invalid multiple recursive descent".to_owned());
        }
        self.pos += 2;
        self.consume_text();
        cur.push(Node::Recursive);
        if is_alphanumeric(self.peek()) {
            self.parse_field(cur)?;
        }
        Ok(())
    }

    fn parse_number(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        if matches!(self.peek(), '+' | '-') {
            self.next();
        }
        loop {
            let r = self.next();
            if r != '.' && !r.is_ascii_digit() {
                self.backup();
                break;
            }
        }
        let value = self.consume_text();
        if let Ok(i) = value.parse::<i64>() {
            cur.push(Node::Int(i));
            return Ok(());
        }
        if let Ok(f) = value.parse::<f64>()
            && value.chars().any(|c| c.is_ascii_digit())
        {
            cur.push(Node::Float(f));
            return Ok(());
        }
        Err(format!("cannot parse number {value}"))
    }

    fn parse_array(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            match self.next() {
                EOF | '\n' => return Err("unterminated array".to_owned()),
                ']' => break,
                _ => {}
            }
        }
        let text = self.consume_text();
        let chars: Vec<char> = text.chars().collect();
        let mut text: String = chars[1..chars.len() - 1].iter().collect();
        if text == "*" {
            text = ":".to_owned();
        }

        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::new();
            for part in parts {
                union.push(parse_action(&format!("[{}]", part.trim_matches(' ')))?);
            }
            cur.push(Node::Union(union));
            return Ok(());
        }

        if let Some(key) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\''))
            && text.len() >= 2
            && !key.contains('\'')
        {
            cur.extend(parse_action(&format!(".{key}"))?);
            return Ok(());
        }

        let groups = slice_groups(&text).ok_or_else(|| format!("invalid array index {text}"))?;
        let mut params = [Param::default(); 3];
        for (i, group) in groups.iter().enumerate() {
            if !group.is_empty() {
                let number = if i > 0 { &group[1..] } else { &group[..] };
                if i > 0 && number.is_empty() {
                    params[i].known = false;
                } else {
                    params[i].known = true;
                    params[i].value = number
                        .parse()
                        .map_err(|_| format!("array index {number} is not a number"))?;
                }
            } else if i == 1 {
                params[i] = Param {
                    value: params[0].value.saturating_add(1),
                    known: true,
                    derived: true,
                };
            }
        }
        cur.push(Node::Array(params));
        Ok(())
    }

    fn parse_filter(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        self.pos += 3;
        self.consume_text();
        let (mut begin, mut end) = (false, false);
        let mut pair = EOF;
        loop {
            let r = self.next();
            match r {
                EOF | '\n' => return Err("unterminated filter".to_owned()),
                '"' | '\'' => {
                    if !begin {
                        begin = true;
                        pair = r;
                        continue;
                    }
                    if self.input.get(self.pos.wrapping_sub(2)) != Some(&'\\') && r == pair {
                        end = true;
                    }
                }
                ')' if begin == end => break,
                _ => {}
            }
        }
        if self.next() != ']' {
            return Err("unclosed array expect ]".to_owned());
        }
        let text = self.consume_text();
        let chars: Vec<char> = text.chars().collect();
        let text: String = chars[..chars.len() - 2].iter().collect();

        let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
        let left_len = text.chars().take_while(|&c| !is_op(c)).count();
        let op_len = text
            .chars()
            .skip(left_len)
            .take_while(|&c| is_op(c))
            .count();
        let total = text.chars().count();
        if left_len == 0 || op_len == 0 || left_len + op_len == total {
            let left = parse_action(&text)?;
            cur.push(Node::Filter {
                left,
                right: Vec::new(),
                operator: "exists".to_owned(),
            });
        } else {
            let left: String = text.chars().take(left_len).collect();
            let operator: String = text.chars().skip(left_len).take(op_len).collect();
            let right: String = text.chars().skip(left_len + op_len).collect();
            cur.push(Node::Filter {
                left: parse_action(&left)?,
                right: parse_action(&right)?,
                operator,
            });
        }
        Ok(())
    }

    fn parse_quote(&mut self, cur: &mut Vec<Node>, end: char) -> Result<(), String> {
        loop {
            match self.next() {
                EOF | '\n' => return Err("unterminated quoted string".to_owned()),
                '\\' => {
                    let r = self.next();
                    if r != EOF && r != '\n' {
                        continue;
                    }
                    break;
                }
                c if c == end => break,
                _ => {}
            }
        }
        let value = self.consume_text();
        let text =
            unquote_extend(&value).map_err(|e| format!("unquote string {value} error {e}"))?;
        cur.push(Node::Text(text));
        Ok(())
    }

    fn parse_field(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        self.consume_text();
        loop {
            let r = self.next();
            if r == '\\' {
                self.next();
            } else if is_terminator(r) {
                self.backup();
                break;
            }
        }
        let value = self.consume_text();
        if value == "*" {
            cur.push(Node::Wildcard);
        } else {
            cur.push(Node::Field(value.replace('\\', "")));
        }
        Ok(())
    }
}

/// Parses `{text}` and returns the action's nodes (client-go's `parseAction`).
fn parse_action(text: &str) -> Result<Vec<Node>, String> {
    let root = parse(&format!("{{{text}}}"))?;
    match root.into_iter().next() {
        Some(Node::List(nodes)) => Ok(nodes),
        _ => Ok(Vec::new()),
    }
}

/// Matches `^(-?\d*)(:-?\d*)?(:-?\d*)?$`, returning the three groups.
fn slice_groups(text: &str) -> Option<[String; 3]> {
    let b: Vec<char> = text.chars().collect();
    let mut i = 0;
    let take_number = |i: &mut usize| {
        let start = *i;
        if b.get(*i) == Some(&'-') {
            *i += 1;
        }
        while b.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        b[start..*i].iter().collect::<String>()
    };
    let first = take_number(&mut i);
    let mut groups = [first, String::new(), String::new()];
    for group in groups.iter_mut().skip(1) {
        if b.get(i) == Some(&':') {
            i += 1;
            *group = format!(":{}", take_number(&mut i));
        }
    }
    (i == b.len()).then_some(groups)
}

/// client-go's `UnquoteExtend`: Go string unquoting that also takes single quotes.
fn unquote_extend(s: &str) -> Result<String, &'static str> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 2 {
        return Err("invalid syntax");
    }
    let quote = chars[0];
    if quote != chars[chars.len() - 1] || !(quote == '"' || quote == '\'') {
        return Err("invalid syntax");
    }
    let body = &chars[1..chars.len() - 1];
    let mut out = String::new();
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c == quote {
            return Err("invalid syntax");
        }
        if c != '\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let esc = *body.get(i + 1).ok_or("invalid syntax")?;
        i += 2;
        let simple = match esc {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '\\' => Some('\\'),
            '\'' | '"' if esc == quote => Some(esc),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            continue;
        }
        let (len, radix) = match esc {
            'x' => (2, 16),
            'u' => (4, 16),
            'U' => (8, 16),
            '0'..='7' => {
                i -= 1;
                (3, 8)
            }
            _ => return Err("invalid syntax"),
        };
        let digits: String = body
            .get(i..i + len)
            .ok_or("invalid syntax")?
            .iter()
            .collect();
        let v = u32::from_str_radix(&digits, radix).map_err(|_| "invalid syntax")?;
        i += len;
        if esc == 'x' || radix == 8 {
            if v > 255 {
                return Err("invalid syntax");
            }
            // A byte escape: kept as the byte's character when it forms no UTF-8 on its own.
            out.push(char::from_u32(v).ok_or("invalid syntax")?);
        } else {
            out.push(char::from_u32(v).ok_or("invalid syntax")?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn parses_fields_arrays_and_text() {
        let nodes = parse("x{.items[*].metadata.name}y").unwrap();
        assert_eq!(nodes.len(), 3);
        assert_eq!(nodes[0], Node::Text("x".into()));
        let Node::List(list) = &nodes[1] else {
            panic!()
        };
        assert_eq!(list[0], Node::Field("items".into()));
        assert!(matches!(
            list[1],
            Node::Array([
                Param {
                    value: 0,
                    known: false,
                    ..
                },
                Param { known: false, .. },
                _
            ])
        ));
        assert_eq!(list[2], Node::Field("metadata".into()));
    }

    #[test]
    fn parses_filters_unions_and_quotes() {
        let nodes =
            parse(r#"{.items[?(@.status.phase=="Running")].metadata['name']}{"\n"}"#).unwrap();
        let Node::List(list) = &nodes[0] else {
            panic!()
        };
        assert!(matches!(&list[1], Node::Filter { operator, .. } if operator == "=="));
        assert_eq!(list[3], Node::Field("name".into()));
        assert_eq!(nodes[1], Node::List(vec![Node::Text("\n".into())]));
        let nodes = parse("{.a[0,-1]}").unwrap();
        let Node::List(list) = &nodes[0] else {
            panic!()
        };
        assert!(matches!(&list[1], Node::Union(parts) if parts.len() == 2));
    }

    #[test]
    fn errors_use_client_go_texts() {
        assert_eq!(parse("{.x").unwrap_err(), "unclosed action");
        assert_eq!(parse("{.x[0}").unwrap_err(), "unterminated array");
        assert_eq!(parse("{.x[a]}").unwrap_err(), "invalid array index a");
        assert_eq!(
            parse("{#}").unwrap_err(),
            "unrecognized character in action: U+0023 '#'"
        );
        assert_eq!(
            parse("{....a}").unwrap_err(),
            "invalid multiple recursive descent"
        );
        assert_eq!(parse("{.a[?(@.b}").unwrap_err(), "unterminated filter");
    }
}
