//! Kubernetes manifests: YAML documents turned into typed objects.

use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Service, ServiceAccount};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// One object read from a manifest, in its typed form where the simulator models the kind.
// Manifests are few and short-lived; boxing the large variants would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Manifest {
    /// A `v1` Namespace.
    Namespace(Namespace),
    /// An `apps/v1` Deployment.
    Deployment(Deployment),
    /// A `v1` Service.
    Service(Service),
    /// A `v1` ConfigMap.
    ConfigMap(ConfigMap),
    /// A `v1` ServiceAccount.
    ServiceAccount(ServiceAccount),
    /// An `autoscaling/v2` (or `v1`, converted) HorizontalPodAutoscaler.
    HorizontalPodAutoscaler(HorizontalPodAutoscaler),
    /// A kind the simulator stores but does not act on (RBAC objects), kept as JSON.
    Other {
        /// `apiVersion` of the object.
        api_version: String,
        /// `kind` of the object.
        kind: String,
        /// The whole object.
        object: Value,
    },
}

impl Manifest {
    /// The object's kind as written in `kind:`.
    pub fn kind(&self) -> &str {
        match self {
            Manifest::Namespace(_) => "Namespace",
            Manifest::Deployment(_) => "Deployment",
            Manifest::Service(_) => "Service",
            Manifest::ConfigMap(_) => "ConfigMap",
            Manifest::ServiceAccount(_) => "ServiceAccount",
            Manifest::HorizontalPodAutoscaler(_) => "HorizontalPodAutoscaler",
            Manifest::Other { kind, .. } => kind,
        }
    }
}

/// Why a manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("cannot read manifest {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// The text is not YAML or JSON.
    #[error("{source_name}: invalid YAML: {message}")]
    Syntax {
        /// Where the text came from.
        source_name: String,
        /// The parser's message.
        message: String,
    },
    /// A document lacks `apiVersion` or `kind`.
    #[error("{source_name}: document {index} has no {field}")]
    MissingField {
        /// Where the text came from.
        source_name: String,
        /// Position of the document in its file, from 1.
        index: usize,
        /// The missing field.
        field: &'static str,
    },
    /// A document of a known kind does not fit that kind's schema.
    #[error("{source_name}: document {index} ({kind}) does not fit its schema")]
    Schema {
        /// Where the text came from.
        source_name: String,
        /// Position of the document in its file, from 1.
        index: usize,
        /// The kind.
        kind: String,
        /// The decoding failure.
        #[source]
        source: serde_json::Error,
    },
    /// A kind the simulator cannot hold.
    #[error(
        "{source_name}: document {index}: kind {kind} (apiVersion {api_version}) is not supported by the simulator"
    )]
    UnsupportedKind {
        /// Where the text came from.
        source_name: String,
        /// Position of the document in its file, from 1.
        index: usize,
        /// The kind.
        kind: String,
        /// The apiVersion.
        api_version: String,
    },
}

/// Parses every document of a YAML (or JSON) text; empty documents are skipped, `List` objects
/// are flattened.
///
/// # Errors
/// [`ManifestError`] naming `source_name` and the document when the text is not YAML, a document
/// lacks `apiVersion`/`kind`, does not fit its schema, or is of a kind the simulator cannot hold.
pub fn parse_documents(text: &str, source_name: &str) -> Result<Vec<Manifest>, ManifestError> {
    Ok(parse_documents_raw(text, source_name)?
        .into_iter()
        .map(|(_, m)| m)
        .collect())
}

/// As [`parse_documents`], each object also as the JSON it was written as (what `kubectl apply`
/// records in its last-applied annotation).
///
/// # Errors
/// As [`parse_documents`].
pub fn parse_documents_raw(
    text: &str,
    source_name: &str,
) -> Result<Vec<(Value, Manifest)>, ManifestError> {
    let docs: Vec<Value> = if text.trim_start().starts_with('{') {
        vec![
            serde_json::from_str(text).map_err(|e| ManifestError::Syntax {
                source_name: source_name.to_string(),
                message: e.to_string(),
            })?,
        ]
    } else {
        serde_saphyr::from_multiple(text).map_err(|e| ManifestError::Syntax {
            source_name: source_name.to_string(),
            message: e.to_string(),
        })?
    };

    let mut out = Vec::new();
    for (i, doc) in docs.into_iter().enumerate() {
        if doc.is_null() {
            continue;
        }
        let index = i + 1;
        if doc.get("kind").and_then(Value::as_str) == Some("List") {
            let items = doc
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for item in items {
                out.push((item.clone(), typed(item, source_name, index)?));
            }
            continue;
        }
        out.push((doc.clone(), typed(doc, source_name, index)?));
    }
    Ok(out)
}

/// Reads a manifest file, or every `.yaml`/`.yml`/`.json` file of a directory in name order.
///
/// # Errors
/// As [`parse_documents`], plus [`ManifestError::Read`] for an unreadable path.
pub fn read_path(path: &Path) -> Result<Vec<Manifest>, ManifestError> {
    let read_err = |source| ManifestError::Read {
        path: path.to_path_buf(),
        source,
    };
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(read_err)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
            })
            .collect();
        files.sort();
        let mut out = Vec::new();
        for file in files {
            out.extend(read_path(&file)?);
        }
        return Ok(out);
    }
    let text = std::fs::read_to_string(path).map_err(read_err)?;
    parse_documents(&text, &path.display().to_string())
}

fn typed(doc: Value, source_name: &str, index: usize) -> Result<Manifest, ManifestError> {
    let field = |name: &'static str| {
        doc.get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or(ManifestError::MissingField {
                source_name: source_name.to_string(),
                index,
                field: name,
            })
    };
    let api_version = field("apiVersion")?;
    let kind = field("kind")?;

    fn decode<T: DeserializeOwned>(
        doc: Value,
        source_name: &str,
        index: usize,
        kind: &str,
    ) -> Result<T, ManifestError> {
        serde_json::from_value(doc).map_err(|source| ManifestError::Schema {
            source_name: source_name.to_string(),
            index,
            kind: kind.to_string(),
            source,
        })
    }

    Ok(match (api_version.as_str(), kind.as_str()) {
        ("v1", "Namespace") => Manifest::Namespace(decode(doc, source_name, index, &kind)?),
        ("apps/v1", "Deployment") => Manifest::Deployment(decode(doc, source_name, index, &kind)?),
        ("v1", "Service") => Manifest::Service(decode(doc, source_name, index, &kind)?),
        ("v1", "ConfigMap") => Manifest::ConfigMap(decode(doc, source_name, index, &kind)?),
        ("v1", "ServiceAccount") => {
            Manifest::ServiceAccount(decode(doc, source_name, index, &kind)?)
        }
        ("autoscaling/v2" | "autoscaling/v1", "HorizontalPodAutoscaler") => {
            Manifest::HorizontalPodAutoscaler(decode(
                crate::world::hpa::to_v2(doc),
                source_name,
                index,
                &kind,
            )?)
        }
        (v, "ClusterRole" | "ClusterRoleBinding" | "Role" | "RoleBinding")
            if v.starts_with("rbac.authorization.k8s.io/") =>
        {
            Manifest::Other {
                api_version,
                kind,
                object: doc,
            }
        }
        _ => {
            return Err(ManifestError::UnsupportedKind {
                source_name: source_name.to_string(),
                index,
                kind,
                api_version,
            });
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_sock_shop_manifest_parses_into_typed_objects() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/sock-shop/manifests");
        let objects = read_path(&dir).unwrap();
        let deployments = objects.iter().filter(|m| m.kind() == "Deployment").count();
        let services = objects.iter().filter(|m| m.kind() == "Service").count();
        assert_eq!((deployments, services), (14, 14));
    }

    #[test]
    fn unknown_kinds_and_broken_yaml_are_errors_naming_the_source() {
        let err = parse_documents("apiVersion: v1\nkind: Widget\n", "w.yaml").unwrap_err();
        assert!(err.to_string().contains("w.yaml"), "{err}");
        assert!(err.to_string().contains("Widget"), "{err}");
        let err = parse_documents("a: [1, 2\n", "broken.yaml").unwrap_err();
        assert!(
            err.to_string().starts_with("broken.yaml: invalid YAML"),
            "{err}"
        );
        let err = parse_documents("kind: Service\n", "x.yaml").unwrap_err();
        assert!(err.to_string().contains("no apiVersion"), "{err}");
    }
}
