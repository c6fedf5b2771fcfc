//! Evaluation of a parsed JSONPath template over an unstructured object, as client-go's
//! `FindResults` walks it (ranges included), with its error texts.

use serde_json::Value;

use super::parser::{Node, Param};

/// One value produced by a template: a part of the object, or a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    /// A value inside the object.
    Json(&'a Value),
    /// A string literal (text or quoted string).
    Str(String),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A bool literal.
    Bool(bool),
    /// One byte of a string, from `[*]` or `..` over a string.
    Byte(u8),
}

/// Walks templates with client-go's state for `range`/`end`.
pub(crate) struct Evaluator<'t> {
    nodes: &'t [Node],
    allow_missing_keys: bool,
    begin_range: usize,
    in_range: usize,
    end_range: usize,
    last_end_node: Option<usize>,
}

impl<'t> Evaluator<'t> {
    pub(crate) fn new(nodes: &'t [Node], allow_missing_keys: bool) -> Self {
        Evaluator {
            nodes,
            allow_missing_keys,
            begin_range: 0,
            in_range: 0,
            end_range: 0,
            last_end_node: None,
        }
    }

    /// The result sets of the top-level nodes from `start` on, evaluated on `data`.
    pub(crate) fn find_results<'a>(
        &mut self,
        data: Val<'a>,
        start: usize,
    ) -> Result<Vec<Vec<Val<'a>>>, String> {
        let mut full = Vec::new();
        let cur = vec![data];
        let mut i = start;
        while i < self.nodes.len() {
            let results = self.walk(&cur, &self.nodes[i])?;

            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                self.last_end_node = Some(i);
                break;
            }
            if self.begin_range > 0 {
                self.begin_range -= 1;
                self.in_range += 1;
                if results.is_empty() {
                    // The body still runs once so that the position reaches its `end`.
                    self.find_results(Val::Json(&Value::Null), i + 1)?;
                } else {
                    for value in results {
                        full.extend(self.find_results(value, i + 1)?);
                    }
                }
                self.in_range -= 1;
                if let Some(end) = self.last_end_node.filter(|&e| e > i) {
                    i = end;
                }
                i += 1;
                continue;
            }
            full.push(results);
            i += 1;
        }
        Ok(full)
    }

    fn walk<'a>(&mut self, input: &[Val<'a>], node: &Node) -> Result<Vec<Val<'a>>, String> {
        match node {
            Node::List(nodes) => {
                let mut cur = input.to_vec();
                for n in nodes {
                    cur = self.walk(&cur, n)?;
                }
                Ok(cur)
            }
            Node::Text(t) => Ok(vec![Val::Str(t.clone())]),
            Node::Int(i) => Ok(vec![Val::Int(*i)]),
            Node::Float(f) => Ok(vec![Val::Float(*f)]),
            Node::Bool(b) => Ok(vec![Val::Bool(*b)]),
            Node::Field(name) => self.eval_field(input, name),
            Node::Array(params) => eval_array(input, *params),
            Node::Filter {
                left,
                right,
                operator,
            } => self.eval_filter(input, left, right, operator),
            Node::Wildcard => Ok(input.iter().flat_map(children).collect()),
            Node::Recursive => Ok(eval_recursive(input)),
            Node::Union(parts) => {
                let mut out = Vec::new();
                for part in parts {
                    out.extend(self.walk(input, &Node::List(part.clone()))?);
                }
                Ok(out)
            }
            Node::Identifier(name) => match name.as_str() {
                "range" => {
                    self.begin_range += 1;
                    Ok(input.to_vec())
                }
                "end" if self.in_range > 0 => {
                    self.end_range += 1;
                    Ok(Vec::new())
                }
                "end" => Err("not in range, nothing to end".to_owned()),
                other => Err(format!("unrecognized identifier {other}")),
            },
        }
    }

    fn eval_field<'a>(&self, input: &[Val<'a>], name: &str) -> Result<Vec<Val<'a>>, String> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let results: Vec<Val<'a>> = input
            .iter()
            .filter_map(|v| match v {
                Val::Json(Value::Object(map)) => map.get(name).map(Val::Json),
                _ => None,
            })
            .collect();
        if results.is_empty() && !self.allow_missing_keys {
            return Err(format!("{name} is not found"));
        }
        Ok(results)
    }

    fn eval_filter<'a>(
        &mut self,
        input: &[Val<'a>],
        left: &[Node],
        right: &[Node],
        operator: &str,
    ) -> Result<Vec<Val<'a>>, String> {
        let mut results = Vec::new();
        for value in input {
            let Val::Json(Value::Array(items)) = value else {
                return Err(format!(
                    "{} is not array or slice and cannot be filtered",
                    go_v(value)
                ));
            };
            for item in items {
                let element = [Val::Json(item)];
                let lefts = self.walk(&element, &Node::List(left.to_vec()));
                if operator == "exists" {
                    if lefts.is_ok_and(|l| !l.is_empty()) {
                        results.push(Val::Json(item));
                    }
                    continue;
                }
                let lefts = lefts?;
                let lhs = match lefts.as_slice() {
                    [] => continue,
                    [one] => one.clone(),
                    _ => return Err("can only compare one element at a time".to_owned()),
                };
                let rights = self.walk(&element, &Node::List(right.to_vec()))?;
                let rhs = match rights.as_slice() {
                    [] => continue,
                    [one] => one.clone(),
                    _ => return Err("can only compare one element at a time".to_owned()),
                };
                let pass = match operator {
                    "<" => compare(&lhs, &rhs, true)? == Some(std::cmp::Ordering::Less),
                    ">" => compare(&lhs, &rhs, true)? == Some(std::cmp::Ordering::Greater),
                    "<=" => compare(&lhs, &rhs, true)? != Some(std::cmp::Ordering::Greater),
                    ">=" => compare(&lhs, &rhs, true)? != Some(std::cmp::Ordering::Less),
                    "==" => compare(&lhs, &rhs, false)? == Some(std::cmp::Ordering::Equal),
                    "!=" => compare(&lhs, &rhs, false)? != Some(std::cmp::Ordering::Equal),
                    other => return Err(format!("unrecognized filter operator {other}")),
                };
                if pass {
                    results.push(Val::Json(item));
                }
            }
        }
        Ok(results)
    }
}

/// The elements of a list, the values of a map or the bytes of a string.
///
/// kubectl visits map values in Go's random map order; the simulator uses key order, one of
/// the orders kubectl can print.
fn children<'a>(v: &Val<'a>) -> Vec<Val<'a>> {
    match v {
        Val::Json(Value::Object(map)) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            entries.into_iter().map(|(_, v)| Val::Json(v)).collect()
        }
        Val::Json(Value::Array(items)) => items.iter().map(Val::Json).collect(),
        Val::Json(Value::String(s)) => s.bytes().map(Val::Byte).collect(),
        Val::Str(s) => s.bytes().map(Val::Byte).collect(),
        _ => Vec::new(),
    }
}

fn eval_recursive<'a>(input: &[Val<'a>]) -> Vec<Val<'a>> {
    let mut out = Vec::new();
    for value in input {
        let kids = children(value);
        if !kids.is_empty() {
            out.push(value.clone());
            out.extend(eval_recursive(&kids));
        }
    }
    out
}

fn eval_array<'a>(input: &[Val<'a>], node: [Param; 3]) -> Result<Vec<Val<'a>>, String> {
    let mut result = Vec::new();
    for value in input {
        let items: Vec<Val<'a>> = match value {
            Val::Json(Value::Null) => continue,
            Val::Json(Value::Array(items)) => items.iter().map(Val::Json).collect(),
            other => return Err(format!("{} is not array or slice", go_type(other))),
        };
        let len = items.len() as i64;
        let mut params = node;
        if !params[0].known {
            params[0].value = 0;
        }
        if params[0].value < 0 {
            params[0].value = params[0].value.saturating_add(len);
        }
        if !params[1].known {
            params[1].value = len;
        }
        if params[1].value < 0 || (params[1].value == 0 && params[1].derived) {
            params[1].value = params[1].value.saturating_add(len);
        }
        if params[1].value == params[0].value {
            return Ok(result);
        }
        if params[0].value >= len || params[0].value < 0 {
            return Err(format!(
                "array index out of bounds: index {}, length {len}",
                params[0].value
            ));
        }
        if params[1].value > len || params[1].value < 0 {
            return Err(format!(
                "array index out of bounds: index {}, length {len}",
                params[1].value.saturating_sub(1)
            ));
        }
        if params[0].value > params[1].value {
            return Err(format!(
                "starting index {} is greater than ending index {}",
                params[0].value, params[1].value
            ));
        }
        let step = if params[2].known {
            if params[2].value <= 0 {
                return Err("step must be > 0".to_owned());
            }
            params[2].value as usize
        } else {
            1
        };
        let slice = &items[params[0].value as usize..params[1].value as usize];
        result.extend(slice.iter().step_by(step).cloned());
    }
    Ok(result)
}

/// A comparable scalar, after Go template's basic kinds.
enum Basic<'s> {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'s str),
}

fn basic<'s>(v: &'s Val<'_>) -> Option<Basic<'s>> {
    Some(match v {
        Val::Json(Value::Bool(b)) | Val::Bool(b) => Basic::Bool(*b),
        Val::Json(Value::String(s)) => Basic::Str(s),
        Val::Str(s) => Basic::Str(s),
        Val::Json(Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Basic::Int(i),
            (None, Some(u)) => Basic::Uint(u),
            _ => Basic::Float(n.as_f64().unwrap_or(0.0)),
        },
        Val::Int(i) => Basic::Int(*i),
        Val::Float(f) => Basic::Float(*f),
        Val::Byte(b) => Basic::Uint(u64::from(*b)),
        Val::Json(_) => return None,
    })
}

/// Go template's `eq`/`lt` rules: same basic kind (ints and uints mix), else an error.
fn compare(a: &Val<'_>, b: &Val<'_>, ordered: bool) -> Result<Option<std::cmp::Ordering>, String> {
    let (Some(x), Some(y)) = (basic(a), basic(b)) else {
        return Err(if ordered {
            "invalid type for comparison"
        } else {
            "non-comparable types"
        }
        .to_owned());
    };
    let ord = match (x, y) {
        (Basic::Bool(p), Basic::Bool(q)) => {
            if ordered {
                return Err("invalid type for comparison".to_owned());
            }
            p.partial_cmp(&q)
        }
        (Basic::Int(p), Basic::Int(q)) => p.partial_cmp(&q),
        (Basic::Uint(p), Basic::Uint(q)) => p.partial_cmp(&q),
        (Basic::Int(p), Basic::Uint(q)) => i128::from(p).partial_cmp(&i128::from(q)),
        (Basic::Uint(p), Basic::Int(q)) => i128::from(p).partial_cmp(&i128::from(q)),
        (Basic::Float(p), Basic::Float(q)) => p.partial_cmp(&q),
        (Basic::Str(p), Basic::Str(q)) => p.partial_cmp(q),
        _ => return Err("incompatible types for comparison".to_owned()),
    };
    Ok(ord)
}

/// The Go type name of a value, as `reflect.Type.String()` prints it.
pub(crate) fn go_type(v: &Val<'_>) -> &'static str {
    match v {
        Val::Json(Value::Object(_)) => "map[string]interface {}",
        Val::Json(Value::Array(_)) => "[]interface {}",
        Val::Json(Value::String(_)) | Val::Str(_) => "string",
        Val::Json(Value::Bool(_)) | Val::Bool(_) => "bool",
        Val::Json(Value::Number(n)) if n.is_f64() => "float64",
        Val::Json(Value::Number(_)) => "int64",
        Val::Json(Value::Null) => "interface {}",
        Val::Int(_) => "int",
        Val::Float(_) => "float64",
        Val::Byte(_) => "uint8",
    }
}

/// Go's `%v` of a value.
pub(crate) fn go_v(v: &Val<'_>) -> String {
    match v {
        Val::Json(j) => go_v_json(j),
        Val::Str(s) => s.clone(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => crate::kubectl::printers::go_g_float(*f),
        Val::Bool(b) => b.to_string(),
        Val::Byte(b) => b.to_string(),
    }
}

fn go_v_json(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => go_number_v(n),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(go_v_json).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_v_json(v)))
                .collect();
            format!("map[{}]", inner.join(" "))
        }
    }
}

fn go_number_v(n: &serde_json::Number) -> String {
    match (n.as_i64(), n.as_u64()) {
        (Some(i), _) => i.to_string(),
        (None, Some(u)) => u.to_string(),
        _ => crate::kubectl::printers::go_g_float(n.as_f64().unwrap_or(0.0)),
    }
}

/// Go's `%#v` of an unstructured value (`map[string]interface {}{"a":"b"}`).
pub(crate) fn go_sharp_v(v: &Value) -> String {
    match v {
        Value::Null => "interface {}(nil)".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => go_number_v(n),
        Value::String(s) => crate::kubectl::cli::go_quote(s),
        Value::Array(items) => format!(
            "[]interface {{}}{{{}}}",
            items.iter().map(go_sharp_v).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}:{}", crate::kubectl::cli::go_quote(k), go_sharp_v(v)))
                .collect();
            format!("map[string]interface {{}}{{{}}}", inner.join(", "))
        }
    }
}
