//! The `-o/--output` argument: which printer kubectl picks, with its errors.

/// A printer choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputFormat {
    /// No `-o`: the command's default (a table for `get`).
    Default,
    /// `-o wide`
    Wide,
    /// `-o json`
    Json,
    /// `-o yaml`
    Yaml,
    /// `-o name`
    Name,
    /// `-o jsonpath=TEMPLATE` (also `jsonpath-file`, read by the caller).
    JsonPath(String),
    /// `-o jsonpath-as-json=TEMPLATE`
    JsonPathAsJson(String),
    /// `-o jsonpath-file=PATH`
    JsonPathFile(String),
    /// `-o custom-columns=SPEC`
    CustomColumns(String),
    /// `-o custom-columns-file=PATH`
    CustomColumnsFile(String),
    /// `-o go-template=...`, `template=...` and their file forms (not simulated).
    GoTemplate(String),
}

/// A `-o` value kubectl rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    /// An unknown format.
    #[error(
        "unable to match a printer suitable for the output format {format:?}, allowed formats are: {allowed}"
    )]
    Unknown {
        /// The value given.
        format: String,
        /// The formats the command accepts, comma-separated.
        allowed: &'static str,
    },
    /// `jsonpath` (or another template format) without a template.
    #[error("template format specified but no template given")]
    NoTemplate,
}

/// What `kubectl get` accepts.
pub const GET_FORMATS: &str = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml";
/// What commands printing changed objects (`label`, `scale`, `set image`, ...) accept.
pub const OBJECT_FORMATS: &str = "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml";

impl OutputFormat {
    /// Reads an `-o` value; `allowed` is [`GET_FORMATS`] or [`OBJECT_FORMATS`].
    ///
    /// # Errors
    ///
    /// kubectl's message for unknown formats and missing templates.
    pub fn parse(value: &str, allowed: &'static str) -> Result<OutputFormat, OutputError> {
        let table = allowed == GET_FORMATS;
        let (name, arg) = match value.split_once('=') {
            Some((n, a)) => (n, Some(a.to_owned())),
            None => (value, None),
        };
        let unknown = || OutputError::Unknown {
            format: value.to_owned(),
            allowed,
        };
        let template =
            |arg: Option<String>| arg.filter(|a| !a.is_empty()).ok_or(OutputError::NoTemplate);
        Ok(match name {
            "" => OutputFormat::Default,
            "wide" if table && arg.is_none() => OutputFormat::Wide,
            "json" if arg.is_none() => OutputFormat::Json,
            "yaml" if arg.is_none() => OutputFormat::Yaml,
            "name" if arg.is_none() => OutputFormat::Name,
            "jsonpath" => OutputFormat::JsonPath(template(arg)?),
            "jsonpath-as-json" => OutputFormat::JsonPathAsJson(template(arg)?),
            "jsonpath-file" => OutputFormat::JsonPathFile(template(arg)?),
            "go-template" | "template" | "go-template-file" | "templatefile" => {
                OutputFormat::GoTemplate(template(arg)?)
            }
            "custom-columns" if table => match arg.filter(|a| !a.is_empty()) {
                Some(spec) => OutputFormat::CustomColumns(spec),
                None => return Err(unknown()),
            },
            "custom-columns-file" if table => match arg.filter(|a| !a.is_empty()) {
                Some(path) => OutputFormat::CustomColumnsFile(path),
                None => return Err(unknown()),
            },
            _ => return Err(unknown()),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn formats_parse_with_their_arguments() {
        assert_eq!(
            OutputFormat::parse("wide", GET_FORMATS).unwrap(),
            OutputFormat::Wide
        );
        assert_eq!(
            OutputFormat::parse("jsonpath={.a}", OBJECT_FORMATS).unwrap(),
            OutputFormat::JsonPath("{.a}".into())
        );
        assert_eq!(
            OutputFormat::parse("jsonpath", OBJECT_FORMATS).unwrap_err(),
            OutputError::NoTemplate
        );
        assert_eq!(
            OutputFormat::parse("wide", OBJECT_FORMATS)
                .unwrap_err()
                .to_string(),
            "unable to match a printer suitable for the output format \"wide\", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml"
        );
    }
}
