//! kubectl's `-o jsonpath=...` and `-o jsonpath-as-json=...`: client-go's JSONPath template
//! language (fields, `[*]`, indexes and slices, `..`, filters, unions, `range`/`end`, quoted
//! literals) and the way kubectl prints its results and errors.

mod eval;
mod parser;

use serde_json::Value;

pub use eval::Val;
pub use parser::{Node, Param};

use crate::kubectl::printers::{compact_json, go_g_float, print_json};

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    template: String,
    nodes: Vec<Node>,
}

/// Why a template could not be used, rendered as kubectl prints it after `error: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonPathError {
    /// The template does not parse.
    #[error("error parsing jsonpath {template}, {reason}\n")]
    Parse {
        /// The template as given.
        template: String,
        /// The parser's message.
        reason: String,
    },
    /// Evaluation failed (a missing key with `--allow-missing-template-keys=false`, an index
    /// out of bounds, ...). The message embeds the object in Go syntax, as kubectl does.
    #[error(
        "error executing jsonpath {quoted}: Error executing template: {reason}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{template}\n\tobject given to jsonpath engine was:\n\t\t{object}\n\n\n"
    )]
    Execute {
        /// The template, Go-quoted.
        quoted: String,
        /// The template as given.
        template: String,
        /// The evaluator's message.
        reason: String,
        /// The object in Go's `%#v` form.
        object: String,
    },
}

impl JsonPathError {
    /// The full stderr text kubectl prints (`error: ...`).
    pub fn to_stderr(&self) -> String {
        format!("error: {self}")
    }
}

impl JsonPath {
    /// Parses a template (the part after `jsonpath=`).
    ///
    /// # Errors
    ///
    /// [`JsonPathError::Parse`] with client-go's message.
    pub fn parse(template: &str) -> Result<JsonPath, JsonPathError> {
        let nodes = parser::parse(template).map_err(|reason| JsonPathError::Parse {
            template: template.to_owned(),
            reason,
        })?;
        Ok(JsonPath {
            template: template.to_owned(),
            nodes,
        })
    }

    /// The template as given.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The parsed nodes.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The result sets of the template on `object`, one per top-level text or action.
    ///
    /// # Errors
    ///
    /// The evaluator's message.
    pub fn find_results<'a>(
        &self,
        object: &'a Value,
        allow_missing_keys: bool,
    ) -> Result<Vec<Vec<Val<'a>>>, String> {
        eval::Evaluator::new(&self.nodes, allow_missing_keys).find_results(Val::Json(object), 0)
    }

    /// Prints the template on `object` as `kubectl -o jsonpath=...` does: the values of a
    /// result set separated by spaces, lists and maps as compact JSON. No newline is added.
    ///
    /// # Errors
    ///
    /// [`JsonPathError::Execute`], as kubectl reports it.
    pub fn execute(
        &self,
        object: &Value,
        allow_missing_keys: bool,
    ) -> Result<String, JsonPathError> {
        let sets = self
            .find_results(object, allow_missing_keys)
            .map_err(|reason| self.exec_error(object, reason))?;
        let mut out = String::new();
        for set in sets {
            let texts: Vec<String> = set.iter().map(text_of).collect();
            out.push_str(&texts.join(" "));
        }
        Ok(out)
    }

    /// Prints the template on `object` as `kubectl -o jsonpath-as-json=...` does: each result
    /// set as an indented JSON array.
    ///
    /// # Errors
    ///
    /// [`JsonPathError::Execute`], as kubectl reports it.
    pub fn execute_as_json(
        &self,
        object: &Value,
        allow_missing_keys: bool,
    ) -> Result<String, JsonPathError> {
        let sets = self
            .find_results(object, allow_missing_keys)
            .map_err(|reason| self.exec_error(object, reason))?;
        let mut out = String::new();
        for set in sets {
            let array = Value::Array(set.iter().map(to_json).collect());
            out.push_str(&print_json(&array));
        }
        Ok(out)
    }

    fn exec_error(&self, object: &Value, reason: String) -> JsonPathError {
        JsonPathError::Execute {
            quoted: crate::kubectl::cli::go_quote(&self.template),
            template: self.template.clone(),
            reason,
            object: eval::go_sharp_v(object),
        }
    }
}

/// How one result prints: containers as compact JSON, `null` for a null, other scalars as
/// Go's `fmt.Print` writes them.
fn text_of(v: &Val<'_>) -> String {
    match v {
        Val::Json(j @ (Value::Object(_) | Value::Array(_))) => compact_json(j),
        Val::Json(Value::Null) => "null".to_owned(),
        Val::Json(Value::String(s)) => s.clone(),
        Val::Json(Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(u)) => u.to_string(),
            _ => go_g_float(n.as_f64().unwrap_or(0.0)),
        },
        Val::Json(Value::Bool(b)) | Val::Bool(b) => b.to_string(),
        Val::Str(s) => s.clone(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => go_g_float(*f),
        Val::Byte(b) => b.to_string(),
    }
}

/// One result as Go's `fmt.Sprint` prints it (`map[a:b]`, `[x y]`, `<nil>`), which is how
/// custom columns show values.
pub fn go_print(v: &Val<'_>) -> String {
    eval::go_v(v)
}

/// The JSON form of an evaluation result.
pub fn to_json(v: &Val<'_>) -> Value {
    match v {
        Val::Json(j) => (*j).clone(),
        Val::Str(s) => Value::String(s.clone()),
        Val::Int(i) => Value::from(*i),
        Val::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Val::Bool(b) => Value::Bool(*b),
        Val::Byte(b) => Value::from(*b),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    fn run(template: &str, v: &Value) -> String {
        JsonPath::parse(template).unwrap().execute(v, true).unwrap()
    }

    fn pods() -> Value {
        json!({"kind": "List", "items": [
            {"metadata": {"name": "a", "labels": {"app": "x"}}, "status": {"phase": "Running"}, "spec": {"containers": [{"name": "c1", "ports": [{"containerPort": 80}]}]}},
            {"metadata": {"name": "b"}, "status": {"phase": "Pending"}, "spec": {"containers": [{"name": "c2"}, {"name": "c3"}]}},
        ]})
    }

    #[test]
    fn fields_wildcards_and_indexes() {
        let v = pods();
        assert_eq!(run("{.items[*].metadata.name}", &v), "a b");
        assert_eq!(run("{.items[0].metadata.name}", &v), "a");
        assert_eq!(run("{.items[-1].metadata.name}", &v), "b");
        assert_eq!(run("{.items[0:1].metadata.name}", &v), "a");
        assert_eq!(run("{.items[1].spec.containers[*].name}", &v), "c2 c3");
        assert_eq!(run("{.items[0].metadata.labels}", &v), "{\"app\":\"x\"}");
        assert_eq!(run("{.kind} {.nope}", &v), "List ");
        assert_eq!(run("{..containerPort}", &v), "80");
        assert_eq!(run("{.items[0,1].status.phase}", &v), "Running Pending");
    }

    #[test]
    fn filters_and_ranges() {
        let v = pods();
        assert_eq!(
            run("{.items[?(@.status.phase==\"Running\")].metadata.name}", &v),
            "a"
        );
        assert_eq!(
            run("{.items[?(@.status.phase!='Running')].metadata.name}", &v),
            "b"
        );
        assert_eq!(run("{.items[?(@.metadata.labels)].metadata.name}", &v), "a");
        assert_eq!(
            run(
                "{range .items[*]}{.metadata.name}{\"\\t\"}{.status.phase}{\"\\n\"}{end}",
                &v
            ),
            "a\tRunning\nb\tPending\n"
        );
        assert_eq!(
            run(
                "{range .items[*]}[{range .spec.containers[*]}{.name},{end}]{end}",
                &v
            ),
            "[c1,][c2,c3,]"
        );
    }

    #[test]
    fn errors_are_worded_as_kubectl_prints_them() {
        let v = json!({"a": [1]});
        let e = JsonPath::parse("{.x").unwrap_err();
        assert_eq!(
            e.to_stderr(),
            "error: error parsing jsonpath {.x, unclosed action\n"
        );
        let e = JsonPath::parse("{.a[5]}")
            .unwrap()
            .execute(&v, true)
            .unwrap_err();
        assert!(e.to_stderr().starts_with(
            "error: error executing jsonpath \"{.a[5]}\": Error executing template: array index out of bounds: index 5, length 1. Printing"
        ));
        assert!(
            e.to_stderr()
                .contains("map[string]interface {}{\"a\":[]interface {}{1}}")
        );
        let e = JsonPath::parse("{.b}")
            .unwrap()
            .execute(&v, false)
            .unwrap_err();
        assert!(e.to_string().contains("b is not found"));
    }

    #[test]
    fn as_json_wraps_each_result_set() {
        let v = pods();
        let out = JsonPath::parse("{.items[*].metadata.name}")
            .unwrap()
            .execute_as_json(&v, true)
            .unwrap();
        assert_eq!(out, "[\n    \"a\",\n    \"b\"\n]\n");
    }
}
