//! `-o custom-columns=HEADER:PATH,...`: one column per JSONPath, printed through kubectl's
//! table writer, as cli-runtime's custom-columns printer does.

use serde_json::Value;

use crate::kubectl::jsonpath::JsonPath;
use crate::kubectl::tabwriter::{TabConfig, TabWriter};

/// A custom-columns spec kubectl rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomColumnsError {
    /// `-o custom-columns=` with nothing after it.
    #[error("custom-columns format specified but no custom columns given")]
    Empty,
    /// A column without `:`.
    #[error("unexpected custom-columns spec: {0}, expected <header>:<json-path-expr>")]
    BadColumn(String),
    /// A path that is not `a.b`, `.a.b`, `{a.b}` or `{.a.b}`.
    #[error(
        "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{{name1.name2}}' or '{{.name1.name2}}'"
    )]
    BadPath,
    /// A path that does not parse as JSONPath.
    #[error("{0}")]
    JsonPath(String),
}

/// Turns `a.b`, `.a.b`, `{a.b}` or `{.a.b}` into the template `{.a.b}` (kubectl's
/// `RelaxedJSONPathExpression`, also used by `--sort-by`). An empty path stays empty.
///
/// # Errors
///
/// [`CustomColumnsError::BadPath`] when the path holds braces elsewhere.
pub fn relaxed_jsonpath(path: &str) -> Result<String, CustomColumnsError> {
    if path.is_empty() {
        return Ok(String::new());
    }
    let inner = match path.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        Some(inner) => inner,
        None => path,
    };
    // The leading dot is optional, but a lone `.` is itself the field (giving `{..}`).
    let field = match inner.strip_prefix('.') {
        Some(rest) if !rest.is_empty() => rest,
        _ => inner,
    };
    if field.is_empty() || field.contains(['{', '}']) {
        return Err(CustomColumnsError::BadPath);
    }
    Ok(format!("{{.{field}}}"))
}

/// A parsed `-o custom-columns` spec.
#[derive(Debug, Clone)]
pub struct CustomColumns {
    columns: Vec<(String, JsonPath)>,
}

impl CustomColumns {
    /// Parses `NAME:.metadata.name,IMAGE:.spec.containers[*].image`.
    ///
    /// # Errors
    ///
    /// kubectl's messages for malformed specs and paths.
    pub fn parse(spec: &str) -> Result<CustomColumns, CustomColumnsError> {
        if spec.is_empty() {
            return Err(CustomColumnsError::Empty);
        }
        let mut columns = Vec::new();
        for part in spec.split(',') {
            let (header, path) = part
                .split_once(':')
                .ok_or_else(|| CustomColumnsError::BadColumn(part.to_owned()))?;
            let template = relaxed_jsonpath(path)?;
            let jp = JsonPath::parse(&template).map_err(|e| match e {
                crate::kubectl::jsonpath::JsonPathError::Parse { reason, .. } => {
                    CustomColumnsError::JsonPath(reason)
                }
                other => CustomColumnsError::JsonPath(other.to_string()),
            })?;
            columns.push((header.to_owned(), jp));
        }
        Ok(CustomColumns { columns })
    }

    /// Prints a header row (unless `no_headers`) and one row per object; a `List` prints its
    /// items. A column with no value shows `<none>`, several values are joined with commas.
    ///
    /// # Errors
    ///
    /// A JSONPath evaluation error (an index out of range, say), as its message.
    pub fn print(&self, objects: &[Value], no_headers: bool) -> Result<String, String> {
        let mut w = TabWriter::new(TabConfig::KUBECTL_GET);
        if !no_headers {
            let headers: Vec<&str> = self.columns.iter().map(|(h, _)| h.as_str()).collect();
            w.write_str(&headers.join("\t"));
            w.write_str("\n");
        }
        for object in objects {
            let is_list = object
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("List"));
            match object.get("items").and_then(Value::as_array) {
                Some(items) if is_list => {
                    for item in items {
                        self.row(&mut w, item)?;
                    }
                }
                _ => self.row(&mut w, object)?,
            }
        }
        Ok(w.finish())
    }

    fn row(&self, w: &mut TabWriter, object: &Value) -> Result<(), String> {
        let mut cells = Vec::new();
        for (_, jp) in &self.columns {
            let sets = jp.find_results(object, true)?;
            let mut values: Vec<String> = Vec::new();
            if sets.first().is_none_or(Vec::is_empty) {
                values.push("<none>".to_owned());
            }
            for set in &sets {
                values.extend(set.iter().map(crate::kubectl::jsonpath::go_print));
            }
            cells.push(values.join(","));
        }
        w.write_str(&cells.join("\t"));
        w.write_str("\n");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    #[test]
    fn relaxed_paths_gain_braces_and_a_dot() {
        for p in [
            "metadata.name",
            ".metadata.name",
            "{metadata.name}",
            "{.metadata.name}",
        ] {
            assert_eq!(relaxed_jsonpath(p).unwrap(), "{.metadata.name}");
        }
        assert_eq!(relaxed_jsonpath("{a}{b}"), Err(CustomColumnsError::BadPath));
    }

    #[test]
    fn columns_align_as_get_tables_do() {
        let list = json!({"kind": "List", "items": [
            {"metadata": {"name": "carts"}, "spec": {"containers": [{"image": "a"}, {"image": "b"}]}},
            {"metadata": {"name": "user-db"}, "spec": {}},
        ]});
        let cc =
            CustomColumns::parse("NAME:.metadata.name,IMAGES:.spec.containers[*].image").unwrap();
        assert_eq!(
            cc.print(std::slice::from_ref(&list), false).unwrap(),
            "NAME      IMAGES\ncarts     a,b\nuser-db   <none>\n"
        );
        assert_eq!(
            cc.print(&[list], true).unwrap(),
            "carts     a,b\nuser-db   <none>\n"
        );
    }

    #[test]
    fn malformed_specs_are_rejected_with_kubectl_texts() {
        assert_eq!(
            CustomColumns::parse("NAME").unwrap_err().to_string(),
            "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>"
        );
        assert_eq!(
            CustomColumns::parse("").unwrap_err().to_string(),
            "custom-columns format specified but no custom columns given"
        );
    }
}
