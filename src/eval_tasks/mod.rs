//! Evaluation tasks: the management tasks of Sock Shop, each with its setup (workload,
//! manifest edits, chaos) and an oracle over the true simulator state.
//!
//! A task file keeps the shape of the upstream task set (component, autonomous level, task
//! sentence, workload, environment edits, chaos block) and adds an `oracle` block. The oracle
//! judges the world after the agents are done, never the agents' word; the model's own verdict
//! is recorded beside it.

pub mod cluster;
mod oracle;
mod setup;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::llm::protocol::TaskKind;
pub use oracle::{Baseline, JudgedBy, Judgement, Metric, Oracle, Snapshot, Source, Truth, judge};
pub use setup::{SetupError, apply, plan};

/// A manifest file edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonEdit {
    /// A JSONPath into the manifest, e.g. `$.spec.template.spec.containers[0].image`.
    pub jsonpath: String,
    /// The new value.
    pub value: String,
}

/// Edits of one manifest file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEdit {
    /// The manifest file name, e.g. `05-catalogue-dep.yaml`.
    pub filename: String,
    /// Values created (unused by the reference tasks).
    #[serde(default)]
    pub create: Vec<serde_json::Value>,
    /// Values deleted (unused by the reference tasks).
    #[serde(default)]
    pub delete: Vec<serde_json::Value>,
    /// Values changed.
    #[serde(default)]
    pub modify: Vec<JsonEdit>,
}

/// The environment block: manifests deleted, created or edited before the task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// Manifest files whose objects are deleted.
    #[serde(default)]
    pub delete: Vec<String>,
    /// Manifest files created (unused by the reference tasks).
    #[serde(default)]
    pub create: Vec<String>,
    /// Manifest edits.
    #[serde(default)]
    pub modify: Vec<FileEdit>,
    /// How many pods the edits are expected to leave unhealthy.
    #[serde(default)]
    pub unhealthy_pods: u32,
}

/// The chaos block: a fault injected before the task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chaos {
    /// The Chaos Mesh experiment type: `StressChaos`, `PodFailure`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The experiment's name.
    #[serde(default)]
    pub name: String,
    /// The pods it targets.
    #[serde(default)]
    pub selector: serde_json::Value,
    /// The experiment's arguments.
    #[serde(default)]
    pub args: serde_json::Value,
}

/// One evaluation task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalTask {
    /// The file stem, e.g. `manual_scaling`.
    #[serde(skip)]
    pub name: String,
    /// The component's namespace.
    pub namespace: String,
    /// The component whose agent owns the task.
    pub component: String,
    /// The autonomy level, 1 to 5.
    pub autonomous_level: u8,
    /// The task sentence.
    pub task: String,
    /// The workload: light, moderate, heavy or increase.
    pub workload: String,
    /// Manifest edits.
    #[serde(default)]
    pub environment: Environment,
    /// A fault.
    #[serde(default)]
    pub chaos: Option<Chaos>,
    /// How success is judged.
    pub oracle: Oracle,
}

impl EvalTask {
    /// Observation when the oracle judges a report, action otherwise.
    pub fn kind(&self) -> TaskKind {
        if self.oracle.judges_report() {
            TaskKind::Observation
        } else {
            TaskKind::Action
        }
    }
}

/// Errors of loading evaluation tasks.
#[derive(Debug, thiserror::Error)]
pub enum EvalTaskError {
    /// The directory or a file cannot be read.
    #[error("cannot read evaluation tasks at {path}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file is not a task.
    #[error("evaluation task {name} is not valid: {message}")]
    Parse {
        /// The file name.
        name: String,
        /// What the parser said.
        message: String,
    },
    /// The directory holds no task.
    #[error("no evaluation task (*.yaml) in {path}")]
    Empty {
        /// The directory.
        path: PathBuf,
    },
}

/// Parses one task file's text; `name` is its file stem.
///
/// # Errors
/// [`EvalTaskError::Parse`].
pub fn parse(name: &str, text: &str) -> Result<EvalTask, EvalTaskError> {
    let mut task: EvalTask = serde_saphyr::from_str(text).map_err(|e| EvalTaskError::Parse {
        name: name.to_owned(),
        message: e.to_string(),
    })?;
    task.name = name.to_owned();
    Ok(task)
}

/// Loads every `*.yaml` of `dir`, by file name.
///
/// # Errors
/// [`EvalTaskError`] naming the directory or file.
pub fn load_dir(dir: &Path) -> Result<Vec<EvalTask>, EvalTaskError> {
    let read = |source| EvalTaskError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    let mut tasks = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| EvalTaskError::Read {
            path: path.clone(),
            source,
        })?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        tasks.push(parse(&name, &text)?);
    }
    if tasks.is_empty() {
        return Err(EvalTaskError::Empty {
            path: dir.to_owned(),
        });
    }
    Ok(tasks)
}

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../scenarios/sock-shop/tasks/", $name, ".yaml")))),*]
    };
}

/// The Sock Shop evaluation tasks compiled into the binary (`scenarios/sock-shop/tasks/`).
pub fn embedded_sock_shop() -> Vec<EvalTask> {
    let files = embedded!(
        "auto_scaling",
        "cpu_stress",
        "create_deployment",
        "healthy_check",
        "manual_scaling",
        "metric_collection_1",
        "metric_collection_2",
        "performance_check",
        "pod_failure",
        "rasing_traffic",
        "reduce_latency",
        "reduce_resource_usage",
        "restart",
        "rollback",
        "update_deployment",
    );
    files
        .iter()
        .map(|(name, text)| {
            parse(name, text).expect("the embedded tasks are valid; a unit test parses them")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_tasks_parse_and_match_the_directory() {
        let tasks = embedded_sock_shop();
        assert_eq!(tasks.len(), 15);
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sock-shop/tasks");
        let loaded = load_dir(&dir).expect("the task directory loads");
        assert_eq!(loaded, tasks);
    }
}
