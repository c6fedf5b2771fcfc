//! Scenarios: a deployment to simulate, with its cluster, workloads, image registry and faults.
//!
//! A scenario is a directory holding `scenario.toml` and the files it names. The format is
//! documented field by field on [`ScenarioFile`]; `scenarios/sock-shop/scenario.toml` is the
//! reference example.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::clock::{Millis, parse_duration};
use crate::fault::Fault;
use crate::manifest::{self, Manifest, ManifestError};

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// `scenario.toml` could not be read.
    #[error("cannot read scenario file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// `scenario.toml` is not valid TOML for the format (unknown keys are errors).
    #[error("invalid scenario file {path}")]
    Format {
        /// The file.
        path: PathBuf,
        /// The TOML decoding failure.
        #[source]
        source: toml::de::Error,
    },
    /// A value in the file is out of range or malformed.
    #[error("invalid scenario file {path}: {message}")]
    Value {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A manifest the scenario names could not be read.
    #[error("scenario {name}: cannot load its manifests")]
    Manifest {
        /// The scenario.
        name: String,
        /// The manifest failure.
        #[source]
        source: ManifestError,
    },
}

/// `scenario.toml`, as written.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Short name of the scenario.
    pub name: String,
    /// One sentence on what it models.
    #[serde(default)]
    pub description: String,
    /// Seed used when the caller gives none.
    #[serde(default)]
    pub seed: u64,
    /// Wall time at which the virtual clock starts, RFC 3339 (`2025-12-01T10:00:00Z`).
    pub epoch: String,
    /// Virtual time the world runs before the first command, so that pods are up and metrics
    /// have history (`30m`, `1h`).
    pub warmup: String,
    /// Manifest files or directories, relative to the scenario directory, applied in order.
    pub manifests: Vec<String>,
    /// The cluster's nodes and version.
    pub cluster: ClusterSpec,
    /// Workload definitions file (Locust-style `name: {users, spawn_rate}`), relative path.
    pub workloads: String,
    /// Name of the workload running from the start (`light`, `moderate`, `heavy`, `increase`).
    pub workload: String,
    /// Images that exist in the registry, by repository: a tag outside its list fails to pull.
    /// Images named in the manifests always exist.
    #[serde(default)]
    pub registry: BTreeMap<String, Vec<String>>,
    /// Faults active from the start.
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// What the simulated Prometheus scrapes beyond the manifests' own configuration.
    #[serde(default)]
    pub prometheus: PrometheusSpec,
}

/// Scrape jobs the simulated Prometheus runs in addition to the `kubernetes-service-endpoints`
/// job of the scenario's configuration.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusSpec {
    /// A `kubernetes-cadvisor` job per node (`container_cpu_usage_seconds_total`,
    /// `container_memory_working_set_bytes`, ...). The reference configuration scrapes the
    /// kubelet's `/metrics`, which has no container series on current Kubernetes; the job
    /// is added (and `scripts/kind-up.sh` adds it to the live Prometheus) so that container
    /// CPU and memory can be queried as cAdvisor names them.
    #[serde(default = "yes")]
    pub cadvisor: bool,
}

impl Default for PrometheusSpec {
    fn default() -> Self {
        PrometheusSpec { cadvisor: true }
    }
}

/// The simulated cluster's shape.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// Server version as `kubectl version` reports it (`v1.32.2`).
    pub kubernetes_version: String,
    /// Name of the kubeconfig context (`kind-sock-shop`).
    pub context: String,
    /// Whether metrics-server runs, so that `kubectl top` and CPU autoscaling work.
    #[serde(default = "yes")]
    pub metrics_server: bool,
    /// The nodes.
    pub nodes: Vec<NodeSpec>,
}

fn yes() -> bool {
    true
}

/// One node.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// Node name (`kind-control-plane`).
    pub name: String,
    /// Roles shown in `kubectl get nodes` (`control-plane`).
    #[serde(default)]
    pub roles: Vec<String>,
    /// CPU capacity in cores.
    pub cpu: u32,
    /// Memory capacity (`16Gi`).
    pub memory: String,
    /// The node's InternalIP.
    pub internal_ip: String,
    /// The pod CIDR the node hands addresses from (`10.244.0.0/24`).
    pub pod_cidr: String,
}

/// A Locust-style workload: a number of users reached at a spawn rate.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Concurrent users at full strength.
    pub users: u32,
    /// Users added per second until `users` is reached.
    pub spawn_rate: f64,
}

/// A loaded scenario: the file plus everything it names, parsed.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The directory the scenario came from.
    pub dir: PathBuf,
    /// The parsed `scenario.toml`.
    pub file: ScenarioFile,
    /// Start of virtual time.
    pub epoch: Timestamp,
    /// Warm-up span.
    pub warmup: Millis,
    /// Objects from the manifests, in application order.
    pub objects: Vec<Manifest>,
    /// Workloads by name.
    pub workloads: BTreeMap<String, Workload>,
    /// The texts of the manifest files, by path relative to the scenario directory: the files
    /// a simulated `kubectl apply -f` can read.
    pub files: BTreeMap<String, String>,
}

impl Scenario {
    /// Loads `DIR/scenario.toml` and the manifests and workloads it names.
    ///
    /// # Errors
    /// [`ScenarioError`] naming the file and the problem: unreadable files, unknown keys,
    /// a bad epoch or duration, an unknown workload name, a manifest that does not parse.
    pub fn load(dir: &Path) -> Result<Scenario, ScenarioError> {
        let toml_path = dir.join("scenario.toml");
        if let Err(source) = std::fs::metadata(&toml_path) {
            return Err(ScenarioError::Read {
                path: toml_path,
                source,
            });
        }
        let mut files = BTreeMap::new();
        read_tree(dir, Path::new(""), &mut files)
            .map_err(|(path, source)| ScenarioError::Read { path, source })?;
        Scenario::from_files(dir, files)
    }

    /// The Sock Shop scenario compiled into the binary (`scenarios/sock-shop`), so the default
    /// world needs no files on disk.
    pub fn embedded_sock_shop() -> Scenario {
        let mut files = BTreeMap::new();
        collect_embedded(&EMBEDDED_SOCK_SHOP, &mut files);
        Scenario::from_files(Path::new("<embedded>/scenarios/sock-shop"), files)
            .expect("the embedded scenario is tested to load")
    }

    /// Builds a scenario from its files' texts, keyed by path relative to `origin`.
    ///
    /// # Errors
    /// As [`Scenario::load`].
    pub fn from_files(
        origin: &Path,
        files: BTreeMap<String, String>,
    ) -> Result<Scenario, ScenarioError> {
        let path = origin.join("scenario.toml");
        let missing = |rel: &str| ScenarioError::Read {
            path: origin.join(rel),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such file in the scenario",
            ),
        };
        let text = files
            .get("scenario.toml")
            .ok_or_else(|| missing("scenario.toml"))?;
        let file: ScenarioFile = toml::from_str(text).map_err(|source| ScenarioError::Format {
            path: path.clone(),
            source,
        })?;
        let value_err = |message: String| ScenarioError::Value {
            path: path.clone(),
            message,
        };

        let epoch: Timestamp = file
            .epoch
            .parse()
            .map_err(|e| value_err(format!("epoch {:?}: {e}", file.epoch)))?;
        let warmup = parse_duration(&file.warmup).map_err(|e| value_err(format!("warmup: {e}")))?;
        if file.cluster.nodes.is_empty() {
            return Err(value_err(
                "cluster.nodes is empty: a cluster needs a node".into(),
            ));
        }

        let workloads_text = files
            .get(&file.workloads)
            .ok_or_else(|| missing(&file.workloads))?;
        let workloads: BTreeMap<String, Workload> = serde_saphyr::from_str(workloads_text)
            .map_err(|e| value_err(format!("workloads {}: {e}", file.workloads)))?;
        if !workloads.contains_key(&file.workload) {
            return Err(value_err(format!(
                "workload {:?} is not defined in {} (defined: {})",
                file.workload,
                file.workloads,
                workloads.keys().cloned().collect::<Vec<_>>().join(", ")
            )));
        }

        let mut objects = Vec::new();
        let mut manifest_files = BTreeMap::new();
        for rel in &file.manifests {
            let rel = rel.trim_end_matches('/');
            let prefix = format!("{rel}/");
            let chosen: Vec<(&String, &String)> = files
                .iter()
                .filter(|(k, _)| {
                    k.as_str() == rel
                        || (k.starts_with(&prefix)
                            && (k.ends_with(".yaml")
                                || k.ends_with(".yml")
                                || k.ends_with(".json")))
                })
                .collect();
            if chosen.is_empty() {
                return Err(missing(rel));
            }
            for (k, text) in chosen {
                let found = manifest::parse_documents(text, &origin.join(k).display().to_string())
                    .map_err(|source| ScenarioError::Manifest {
                        name: file.name.clone(),
                        source,
                    })?;
                objects.extend(found);
                manifest_files.insert(k.clone(), text.clone());
            }
        }

        Ok(Scenario {
            dir: origin.to_path_buf(),
            file,
            epoch,
            warmup,
            objects,
            workloads,
            files: manifest_files,
        })
    }

    /// The text of a manifest file as `kubectl -f` names it: relative to the scenario
    /// directory, with or without a leading `./`. Paths that climb out (`..`) or are absolute
    /// are not found.
    pub fn file_text(&self, path: &str) -> Option<String> {
        let path = path.trim_start_matches("./");
        if path.starts_with('/') || path.split('/').any(|p| p == "..") {
            return None;
        }
        self.files.get(path).cloned()
    }

    /// The manifest files directly inside a directory as `kubectl -f DIR` reads it (the
    /// `.yaml`, `.yml` and `.json` files, in name order, without descending), each as
    /// `DIR/NAME`; `None` when the scenario holds no such file there.
    pub fn dir_files(&self, path: &str) -> Option<Vec<String>> {
        let dir = path.trim_start_matches("./").trim_end_matches('/');
        if dir.is_empty() || dir.starts_with('/') || dir.split('/').any(|p| p == "..") {
            return None;
        }
        let prefix = format!("{dir}/");
        let found: Vec<String> = self
            .files
            .keys()
            .filter(|k| {
                k.strip_prefix(&prefix).is_some_and(|rest| {
                    !rest.contains('/')
                        && (rest.ends_with(".yaml")
                            || rest.ends_with(".yml")
                            || rest.ends_with(".json"))
                })
            })
            .cloned()
            .collect();
        (!found.is_empty()).then_some(found)
    }

    /// Whether `image` can be pulled: it is named by a manifest of the scenario or listed in its
    /// registry. An image without a tag means `:latest`.
    pub fn image_exists(&self, image: &str) -> bool {
        let in_manifests = self.objects.iter().any(|m| match m {
            Manifest::Deployment(d) => d
                .spec
                .as_ref()
                .and_then(|s| s.template.spec.as_ref())
                .is_some_and(|p| {
                    p.containers
                        .iter()
                        .any(|c| c.image.as_deref() == Some(image))
                }),
            _ => false,
        });
        if in_manifests {
            return true;
        }
        let (repo, tag) = split_image(image);
        self.file
            .registry
            .get(repo)
            .is_some_and(|tags| tags.iter().any(|t| t == tag))
    }
}

/// The reference scenario's directory, compiled in.
static EMBEDDED_SOCK_SHOP: include_dir::Dir<'_> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../scenarios/sock-shop");

/// Reads the text files (TOML, YAML, JSON) under `dir/rel` into `files`, keyed by relative path.
fn read_tree(
    dir: &Path,
    rel: &Path,
    files: &mut BTreeMap<String, String>,
) -> Result<(), (PathBuf, std::io::Error)> {
    let full = dir.join(rel);
    let entries = std::fs::read_dir(&full).map_err(|e| (full.clone(), e))?;
    let mut names: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort();
    for name in names {
        let child = rel.join(&name);
        let path = dir.join(&child);
        if path.is_dir() {
            read_tree(dir, &child, files)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("toml" | "yaml" | "yml" | "json")
        ) {
            let text = std::fs::read_to_string(&path).map_err(|e| (path.clone(), e))?;
            files.insert(child.to_string_lossy().replace('\\', "/"), text);
        }
    }
    Ok(())
}

fn collect_embedded(dir: &include_dir::Dir<'_>, files: &mut BTreeMap<String, String>) {
    for f in dir.files() {
        if let Some(text) = f.contents_utf8() {
            files.insert(
                f.path().to_string_lossy().replace('\\', "/"),
                text.to_string(),
            );
        }
    }
    for d in dir.dirs() {
        collect_embedded(d, files);
    }
}

/// Splits `repo[:tag]` into repository and tag (`latest` when absent); a `:` inside a registry
/// host with a port is not a tag separator.
pub fn split_image(image: &str) -> (&str, &str) {
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(i) => (&image[..last_slash + i], &image[last_slash + i + 1..]),
        None => (image, "latest"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sock_shop() -> Scenario {
        Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/sock-shop"))
            .unwrap()
    }

    #[test]
    fn the_reference_scenario_loads_with_its_workloads() {
        let s = sock_shop();
        assert_eq!(s.file.name, "sock-shop");
        assert_eq!(s.workloads["heavy"].users, 80);
        assert!(s.image_exists("weaveworksdemos/catalogue:0.3.4"));
        assert!(!s.image_exists("weaveworksdemos/catalogue:0.3.6"));
        assert!(s.image_exists("weaveworksdemos/catalogue:0.3.5"));
    }

    #[test]
    fn the_embedded_scenario_equals_the_one_on_disk() {
        let disk = sock_shop();
        let embedded = Scenario::embedded_sock_shop();
        assert_eq!(disk.objects, embedded.objects);
        assert_eq!(disk.files, embedded.files);
    }

    #[test]
    fn images_split_into_repository_and_tag() {
        assert_eq!(split_image("mongo"), ("mongo", "latest"));
        assert_eq!(split_image("redis:alpine"), ("redis", "alpine"));
        assert_eq!(split_image("host:5000/a/b:1.2"), ("host:5000/a/b", "1.2"));
        assert_eq!(split_image("host:5000/a/b"), ("host:5000/a/b", "latest"));
    }

    #[test]
    fn unknown_keys_are_errors_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("odyssey-scn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("scenario.toml"), "name = \"x\"\nbogus = 1\n").unwrap();
        let err = Scenario::load(&dir).unwrap_err();
        let text = format!("{err}: {}", std::error::Error::source(&err).unwrap());
        assert!(text.contains("scenario.toml"), "{text}");
        assert!(text.contains("bogus"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
