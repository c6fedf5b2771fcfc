//! A runner for Prometheus's PromQL test-script language (`load`, `clear`, `eval`).
//!
//! Scripts are evaluated with [`Semantics::V3`](crate::promql::Semantics::V3), the rules the
//! upstream scripts encode. Cases outside a classic float engine are skipped with a reason:
//! native histogram data or functions, experimental functions, and info/warn annotation
//! expectations. A skip is never a pass.

mod parse;
mod run;

use std::path::Path;

/// Errors that stop a whole script.
#[derive(Debug, thiserror::Error)]
pub enum TestScriptError {
    /// The script file cannot be read.
    #[error("cannot read test script {path}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A command line does not parse.
    #[error("syntax error at line {line}: {message}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// One failed case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The script file.
    pub file: String,
    /// The line of the `eval` command.
    pub line: usize,
    /// The query.
    pub query: String,
    /// Expected versus got.
    pub message: String,
}

/// One skipped case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The line of the `eval` command.
    pub line: usize,
    /// The query.
    pub query: String,
    /// Why it is out of scope.
    pub reason: String,
}

/// The outcome of one script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileReport {
    /// The script's name.
    pub file: String,
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed.
    pub failed: Vec<Failure>,
    /// Cases skipped as out of scope.
    pub skipped: Vec<Skip>,
}

impl FileReport {
    /// A one-line summary: `name: P passed, F failed, S skipped`.
    pub fn summary(&self) -> String {
        format!(
            "{}: {} passed, {} failed, {} skipped",
            self.file,
            self.passed,
            self.failed.len(),
            self.skipped.len()
        )
    }
}

/// Runs one script file.
///
/// # Errors
///
/// [`TestScriptError`] when the file cannot be read or a command does not parse; failing cases
/// are reported in the [`FileReport`], not as errors.
pub fn run_file(path: &Path) -> Result<FileReport, TestScriptError> {
    let text = std::fs::read_to_string(path).map_err(|source| TestScriptError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    run_str(&name, &text)
}

/// Runs a script given as text; `name` labels the report.
///
/// # Errors
///
/// [`TestScriptError::Syntax`] when a command does not parse.
pub fn run_str(name: &str, text: &str) -> Result<FileReport, TestScriptError> {
    let commands = parse::parse_script(text)?;
    Ok(run::run_commands(name, commands))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_small_script_passes() {
        let script = "load 1m\n  m{a=\"1\"} 0+1x10\n\neval instant at 5m m\n  m{a=\"1\"} 5\n\neval range from 0 to 2m step 1m m * 2\n  {a=\"1\"} 0 2 4\n";
        let r = run_str("t", script).unwrap();
        assert_eq!(r.failed, vec![]);
        assert_eq!(r.passed, 2);
    }
}
