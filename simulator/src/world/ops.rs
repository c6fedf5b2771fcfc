//! State-changing operations that clients ask of the API server: scaling, template edits,
//! rollbacks, labels, deletion, autoscalers. Each returns an error in the API server's words.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::World;
use super::controllers::{REVISION, owner_uid, revision};
use super::state::ObjectKey;
use crate::clock::Millis;
use crate::kubectl::resources::ResourceKind;

/// A failed operation: the reason and message of the API server's `Status`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// `NotFound`, `AlreadyExists`, `BadRequest`, `Invalid`, `Conflict`.
    pub reason: &'static str,
    /// The message (`deployments.apps "x" not found`).
    pub message: String,
    /// HTTP status code the server would answer with.
    pub code: u16,
    /// For `Invalid`: the field at fault, which a real server sends as the `Status` details
    /// and kubectl prints instead of the message.
    pub cause: Option<Box<Cause>>,
}

/// The one field an `Invalid` error names: the `details` of the server's `Status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    /// The object's kind (`Pod`).
    pub kind: &'static str,
    /// The object's name.
    pub name: String,
    /// The field path (`spec`).
    pub field: &'static str,
    /// The cause's reason (`FieldValueForbidden`).
    pub reason: &'static str,
    /// What is wrong with the field (`Forbidden: pod updates may not change ...`).
    pub message: String,
}

impl ApiError {
    /// `<resource> "<name>" not found`.
    pub fn not_found(kind: ResourceKind, name: &str) -> ApiError {
        ApiError {
            reason: "NotFound",
            message: format!("{} \"{name}\" not found", kind.qualified_plural()),
            code: 404,
            cause: None,
        }
    }

    /// `<resource> "<name>" already exists`.
    pub fn already_exists(kind: ResourceKind, name: &str) -> ApiError {
        ApiError {
            reason: "AlreadyExists",
            message: format!("{} \"{name}\" already exists", kind.qualified_plural()),
            code: 409,
            cause: None,
        }
    }

    /// A rejected value.
    pub fn invalid(message: String) -> ApiError {
        ApiError {
            reason: "Invalid",
            message,
            code: 422,
            cause: None,
        }
    }

    /// An object rejected for one field, with the details a real server sends.
    pub fn invalid_field(cause: Cause) -> ApiError {
        ApiError {
            reason: "Invalid",
            message: format!(
                "{} \"{}\" is invalid: {}: {}",
                cause.kind, cause.name, cause.field, cause.message
            ),
            code: 422,
            cause: Some(Box::new(cause)),
        }
    }

    /// A malformed request.
    pub fn bad_request(message: String) -> ApiError {
        ApiError {
            reason: "BadRequest",
            message,
            code: 400,
            cause: None,
        }
    }

    /// kubectl's rendering: `Error from server (NotFound): ...`.
    /// An `Invalid` error with details prints as kubectl prints a server's causes:
    /// `The Pod "x" is invalid: spec: Forbidden: ...`.
    pub fn kubectl_line(&self) -> String {
        if let Some(c) = &self.cause {
            return format!(
                "The {} \"{}\" is invalid: {}: {}\n",
                c.kind, c.name, c.field, c.message
            );
        }
        format!("Error from server ({}): {}\n", self.reason, self.message)
    }
}

/// What a template edit did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// The object changed.
    Changed,
    /// The request asked for what was already there.
    Unchanged,
}

impl World {
    fn deployment_key(&self, namespace: &str, name: &str) -> Result<ObjectKey, ApiError> {
        let key = ObjectKey::new(namespace, name);
        if self.state.deployments.contains_key(&key) {
            Ok(key)
        } else {
            Err(ApiError::not_found(ResourceKind::Deployment, name))
        }
    }

    /// Sets the replica count of a deployment or replica set (the `scale` subresource).
    ///
    /// # Errors
    /// NotFound for a missing object, BadRequest for a kind without a scale subresource,
    /// Invalid for a negative count.
    pub fn scale(
        &mut self,
        kind: ResourceKind,
        namespace: &str,
        name: &str,
        replicas: i32,
    ) -> Result<(), ApiError> {
        if replicas < 0 {
            return Err(ApiError::invalid(format!(
                "Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
            )));
        }
        let key = ObjectKey::new(namespace, name);
        match kind {
            ResourceKind::Deployment => {
                let key = self.deployment_key(namespace, name)?;
                self.edit_deployment(&key, |d| {
                    if let Some(s) = d.spec.as_mut() {
                        s.replicas = Some(replicas);
                    }
                });
                Ok(())
            }
            ResourceKind::ReplicaSet => {
                let rv = self.next_resource_version();
                let rs = self
                    .state
                    .replicasets
                    .get_mut(&key)
                    .ok_or_else(|| ApiError::not_found(kind, name))?;
                if let Some(s) = rs.spec.as_mut() {
                    s.replicas = Some(replicas);
                }
                rs.metadata.resource_version = Some(rv);
                Ok(())
            }
            other => Err(ApiError::not_found(other, name)),
        }
    }

    /// Edits a deployment's pod template through `f`, which may fail with a client-side
    /// message.
    ///
    /// # Errors
    /// NotFound for a missing deployment; `Err(Ok(message))` is not used: `f`'s own message is
    /// returned as a BadRequest.
    pub fn edit_template(
        &mut self,
        namespace: &str,
        name: &str,
        f: impl FnOnce(&mut PodTemplateSpec) -> Result<(), String>,
    ) -> Result<Edit, ApiError> {
        let key = self.deployment_key(namespace, name)?;
        let mut template = self.state.deployments[&key]
            .spec
            .as_ref()
            .map(|s| s.template.clone())
            .unwrap_or_default();
        let before = template.clone();
        f(&mut template).map_err(ApiError::bad_request)?;
        if template == before {
            return Ok(Edit::Unchanged);
        }
        self.edit_deployment(&key, |d| {
            if let Some(s) = d.spec.as_mut() {
                s.template = template;
            }
        });
        Ok(Edit::Changed)
    }

    /// `rollout restart`: stamps the template with the restart time, which rolls every pod.
    ///
    /// # Errors
    /// NotFound for a missing deployment.
    pub fn rollout_restart(&mut self, namespace: &str, name: &str) -> Result<(), ApiError> {
        let stamp = self.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        self.edit_template(namespace, name, |t| {
            t.metadata
                .get_or_insert_with(ObjectMeta::default)
                .annotations
                .get_or_insert_with(BTreeMap::new)
                .insert("kubectl.kubernetes.io/restartedAt".into(), stamp);
            Ok(())
        })
        .map(|_| ())
    }

    /// The revisions of a deployment: (revision, replica set template, change cause), oldest
    /// first.
    pub fn rollout_history(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<Vec<(i64, PodTemplateSpec, Option<String>)>, ApiError> {
        let key = self.deployment_key(namespace, name)?;
        let uid = self.state.deployments[&key]
            .metadata
            .uid
            .clone()
            .unwrap_or_default();
        let mut out: Vec<_> = self
            .state
            .replicasets
            .values()
            .filter(|rs| owner_uid(&rs.metadata) == Some(uid.as_str()))
            .filter_map(|rs| {
                let rev = revision(&rs.metadata)?;
                let template = rs.spec.as_ref()?.template.clone()?;
                let cause = rs
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("kubernetes.io/change-cause"))
                    .cloned();
                Some((rev, template, cause))
            })
            .collect();
        out.sort_by_key(|(r, _, _)| *r);
        Ok(out)
    }

    /// `rollout undo`: puts back the template of `to_revision` (the previous revision when
    /// `None`). Returns `Ok(None)` when that revision's template is already current, with the
    /// revision number.
    ///
    /// # Errors
    /// NotFound for a missing deployment; BadRequest with kubectl's text when there is no such
    /// revision or no history.
    pub fn rollout_undo(
        &mut self,
        namespace: &str,
        name: &str,
        to_revision: Option<i64>,
    ) -> Result<Result<(), i64>, ApiError> {
        let history = self.rollout_history(namespace, name)?;
        let key = self.deployment_key(namespace, name)?;
        let current = self.state.deployments[&key]
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(REVISION))
            .and_then(|r| r.parse::<i64>().ok())
            .unwrap_or(0);
        let target = match to_revision.filter(|r| *r != 0) {
            Some(r) => history
                .iter()
                .find(|(rev, _, _)| *rev == r)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "unable to find specified revision {r} in history"
                    ))
                })?,
            None => history
                .iter()
                .rev()
                .find(|(rev, _, _)| *rev < current)
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "no rollout history found for deployment \"{name}\""
                    ))
                })?,
        };
        let (rev, mut template, _) = target.clone();
        if let Some(l) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
            l.remove("pod-template-hash");
        }
        if rev == current {
            return Ok(Err(rev));
        }
        self.edit_template(namespace, name, |t| {
            *t = template;
            Ok(())
        })?;
        Ok(Ok(()))
    }

    /// Pauses or resumes a rollout.
    ///
    /// # Errors
    /// NotFound for a missing deployment.
    pub fn set_paused(
        &mut self,
        namespace: &str,
        name: &str,
        paused: bool,
    ) -> Result<Edit, ApiError> {
        let key = self.deployment_key(namespace, name)?;
        let was = self.state.deployments[&key]
            .spec
            .as_ref()
            .and_then(|s| s.paused)
            .unwrap_or(false);
        if was == paused {
            return Ok(Edit::Unchanged);
        }
        self.edit_deployment(&key, |d| {
            if let Some(s) = d.spec.as_mut() {
                s.paused = paused.then_some(true);
            }
        });
        Ok(Edit::Changed)
    }

    /// Creates an `autoscaling/v2` HPA for a deployment with a CPU utilisation target.
    ///
    /// # Errors
    /// NotFound for a missing deployment, AlreadyExists when the HPA exists.
    pub fn autoscale(
        &mut self,
        namespace: &str,
        name: &str,
        min: Option<i32>,
        max: i32,
        cpu_percent: Option<i32>,
    ) -> Result<(), ApiError> {
        self.deployment_key(namespace, name)?;
        let key = ObjectKey::new(namespace, name);
        if self.state.hpas.contains_key(&key) {
            return Err(ApiError::already_exists(
                ResourceKind::HorizontalPodAutoscaler,
                name,
            ));
        }
        let metrics = cpu_percent.map(|p| {
            vec![MetricSpec {
                type_: "Resource".into(),
                resource: Some(ResourceMetricSource {
                    name: "cpu".into(),
                    target: MetricTarget {
                        type_: "Utilization".into(),
                        average_utilization: Some(p),
                        ..Default::default()
                    },
                }),
                ..Default::default()
            }]
        });
        let meta = self.fresh_meta(ObjectMeta {
            name: Some(name.into()),
            namespace: Some(namespace.into()),
            ..Default::default()
        });
        self.state.hpas.insert(
            key,
            HorizontalPodAutoscaler {
                metadata: meta,
                spec: Some(HorizontalPodAutoscalerSpec {
                    max_replicas: max,
                    min_replicas: min,
                    metrics,
                    scale_target_ref: CrossVersionObjectReference {
                        api_version: Some("apps/v1".into()),
                        kind: "Deployment".into(),
                        name: name.into(),
                    },
                    behavior: None,
                }),
                status: Some(Default::default()),
            },
        );
        Ok(())
    }

    /// Changes an object's labels or annotations: `Some(value)` sets, `None` removes. Without
    /// `overwrite`, changing an existing key is refused with kubectl's message.
    ///
    /// # Errors
    /// NotFound for a missing object; a client-side message (as BadRequest) for a key that
    /// has a value when `overwrite` is false.
    pub fn set_metadata(
        &mut self,
        kind: ResourceKind,
        namespace: &str,
        name: &str,
        annotations: bool,
        changes: &[(String, Option<String>)],
        overwrite: bool,
    ) -> Result<Edit, ApiError> {
        let rv = self.next_resource_version();
        let key = ObjectKey::new(namespace, name);
        let s = &mut self.state;
        let meta: &mut ObjectMeta = match kind {
            ResourceKind::Pod => s.pods.get_mut(&key).map(|o| &mut o.metadata),
            ResourceKind::Deployment => s.deployments.get_mut(&key).map(|o| &mut o.metadata),
            ResourceKind::ReplicaSet => s.replicasets.get_mut(&key).map(|o| &mut o.metadata),
            ResourceKind::Service => s.services.get_mut(&key).map(|o| &mut o.metadata),
            ResourceKind::Node => s.nodes.get_mut(name).map(|o| &mut o.metadata),
            ResourceKind::Namespace => s.namespaces.get_mut(name).map(|o| &mut o.metadata),
            ResourceKind::ConfigMap => s.configmaps.get_mut(&key).map(|o| &mut o.metadata),
            ResourceKind::HorizontalPodAutoscaler => s.hpas.get_mut(&key).map(|o| &mut o.metadata),
            ResourceKind::ServiceAccount => {
                s.service_accounts.get_mut(&key).map(|o| &mut o.metadata)
            }
            ResourceKind::Event => s.events.get_mut(&key).map(|o| &mut o.metadata),
            ResourceKind::Endpoints => None,
        }
        .ok_or_else(|| ApiError::not_found(kind, name))?;
        let map = if annotations {
            &mut meta.annotations
        } else {
            &mut meta.labels
        };
        let mut current = map.clone().unwrap_or_default();
        let before = current.clone();
        for (k, v) in changes {
            match v {
                Some(v) => {
                    if let Some(old) = current.get(k)
                        && old != v
                        && !overwrite
                    {
                        return Err(ApiError::bad_request(if annotations {
                            format!(
                                "--overwrite is false but found the following declared annotation(s): '{k}' already has a value ({old})"
                            )
                        } else {
                            format!("'{k}' already has a value ({old}), and --overwrite is false")
                        }));
                    }
                    current.insert(k.clone(), v.clone());
                }
                None => {
                    current.remove(k);
                }
            }
        }
        if current == before {
            return Ok(Edit::Unchanged);
        }
        *map = (!current.is_empty()).then_some(current);
        meta.resource_version = Some(rv);
        Ok(Edit::Changed)
    }

    /// Deletes an object. Pods terminate within their grace period; deleting a deployment or
    /// replica set removes what it owns. Returns the names deleted.
    ///
    /// # Errors
    /// NotFound for a missing object; BadRequest for types that cannot be deleted here.
    pub fn delete(
        &mut self,
        kind: ResourceKind,
        namespace: &str,
        name: &str,
        grace: Option<i64>,
    ) -> Result<(), ApiError> {
        let key = ObjectKey::new(namespace, name);
        let missing = || ApiError::not_found(kind, name);
        match kind {
            ResourceKind::Pod => {
                if !self.state.pods.contains_key(&key) {
                    return Err(missing());
                }
                self.delete_pod(&key, grace);
            }
            ResourceKind::Deployment => {
                let d = self.state.deployments.remove(&key).ok_or_else(missing)?;
                let uid = d.metadata.uid.unwrap_or_default();
                let owned: Vec<ObjectKey> = self
                    .state
                    .replicasets
                    .iter()
                    .filter(|(_, rs)| owner_uid(&rs.metadata) == Some(uid.as_str()))
                    .map(|(k, _)| k.clone())
                    .collect();
                for rs in owned {
                    self.delete_replicaset(&rs);
                }
            }
            ResourceKind::ReplicaSet => {
                if !self.state.replicasets.contains_key(&key) {
                    return Err(missing());
                }
                self.delete_replicaset(&key);
            }
            ResourceKind::Service => {
                self.state.services.remove(&key).ok_or_else(missing)?;
            }
            ResourceKind::ConfigMap => {
                self.state.configmaps.remove(&key).ok_or_else(missing)?;
            }
            ResourceKind::HorizontalPodAutoscaler => {
                self.state.hpas.remove(&key).ok_or_else(missing)?;
            }
            ResourceKind::ServiceAccount => {
                self.state
                    .service_accounts
                    .remove(&key)
                    .ok_or_else(missing)?;
            }
            ResourceKind::Event => {
                self.state.events.remove(&key).ok_or_else(missing)?;
            }
            ResourceKind::Namespace | ResourceKind::Node | ResourceKind::Endpoints => {
                if self.get(kind, namespace, name).is_none() {
                    return Err(missing());
                }
                return Err(ApiError {
                    reason: "Forbidden",
                    message: format!(
                        "{} \"{name}\" is forbidden: deleting {} is not simulated",
                        kind.qualified_plural(),
                        kind.info().plural
                    ),
                    code: 403,
                    cause: None,
                });
            }
        }
        self.next_resource_version();
        Ok(())
    }

    fn delete_replicaset(&mut self, key: &ObjectKey) {
        let Some(rs) = self.state.replicasets.remove(key) else {
            return;
        };
        let uid = rs.metadata.uid.unwrap_or_default();
        let pods: Vec<ObjectKey> = self
            .state
            .pods
            .iter()
            .filter(|(_, p)| owner_uid(&p.metadata) == Some(uid.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        for p in pods {
            self.delete_pod(&p, None);
        }
    }

    /// Replaces a deployment's spec, labels and annotations with those of a patched copy,
    /// keeping what the server owns (uid, creation time, status).
    pub(crate) fn edit_deployment_from_patch(&mut self, key: &ObjectKey, patched: Deployment) {
        self.edit_deployment(key, |d| {
            d.spec = patched.spec;
            d.metadata.labels = patched.metadata.labels;
            d.metadata.annotations = patched.metadata.annotations;
        });
    }

    /// Replaces a service, config map, autoscaler or pod's metadata with a patched JSON copy,
    /// keeping what the server owns.
    ///
    /// # Errors
    /// BadRequest when the JSON no longer fits the type; NotFound for a missing object.
    pub(crate) fn replace_object(
        &mut self,
        kind: ResourceKind,
        key: &ObjectKey,
        value: serde_json::Value,
    ) -> Result<(), ApiError> {
        let rv = self.next_resource_version();
        let bad = |e: serde_json::Error| {
            ApiError::bad_request(format!(
                "error decoding patched {}: {e}",
                kind.info().kind_name
            ))
        };
        let missing = || ApiError::not_found(kind, &key.name);
        let keep = |old: &ObjectMeta, new: &mut ObjectMeta| {
            let labels = new.labels.take();
            let annotations = new.annotations.take();
            *new = old.clone();
            new.labels = labels;
            new.annotations = annotations;
            new.resource_version = Some(rv.clone());
        };
        match kind {
            ResourceKind::Service => {
                let mut n: k8s_openapi::api::core::v1::Service =
                    serde_json::from_value(value).map_err(bad)?;
                let old = self.state.services.get_mut(key).ok_or_else(missing)?;
                keep(&old.metadata, &mut n.metadata);
                n.status = old.status.clone();
                *old = n;
            }
            ResourceKind::ConfigMap => {
                let mut n: k8s_openapi::api::core::v1::ConfigMap =
                    serde_json::from_value(value).map_err(bad)?;
                let old = self.state.configmaps.get_mut(key).ok_or_else(missing)?;
                keep(&old.metadata, &mut n.metadata);
                *old = n;
            }
            ResourceKind::HorizontalPodAutoscaler => {
                let mut n: HorizontalPodAutoscaler = serde_json::from_value(value).map_err(bad)?;
                let old = self.state.hpas.get_mut(key).ok_or_else(missing)?;
                keep(&old.metadata, &mut n.metadata);
                n.status = old.status.clone();
                *old = n;
            }
            ResourceKind::Namespace | ResourceKind::ServiceAccount => {
                // Only their labels and annotations change: a namespace's spec and status belong
                // to the server, and a service account's secrets are not modelled.
                let n: ObjectMeta =
                    serde_json::from_value(value.get("metadata").cloned().unwrap_or_default())
                        .map_err(bad)?;
                let old = if kind == ResourceKind::Namespace {
                    &mut self
                        .state
                        .namespaces
                        .get_mut(&key.name)
                        .ok_or_else(missing)?
                        .metadata
                } else {
                    &mut self
                        .state
                        .service_accounts
                        .get_mut(key)
                        .ok_or_else(missing)?
                        .metadata
                };
                old.labels = n.labels;
                old.annotations = n.annotations;
                old.resource_version = Some(rv);
            }
            ResourceKind::Pod => {
                // Only a pod's metadata may change; its spec is immutable once created.
                let n: k8s_openapi::api::core::v1::Pod =
                    serde_json::from_value(value).map_err(bad)?;
                let old = self.state.pods.get_mut(key).ok_or_else(missing)?;
                if n.spec != old.spec {
                    return Err(ApiError::invalid_field(Cause {
                        kind: "Pod",
                        name: key.name.clone(),
                        field: "spec",
                        reason: "FieldValueForbidden",
                        message: "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)".into(),
                    }));
                }
                old.metadata.labels = n.metadata.labels;
                old.metadata.annotations = n.metadata.annotations;
                old.metadata.resource_version = Some(rv);
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "patching {} is not supported",
                    other.info().plural
                )));
            }
        }
        Ok(())
    }

    /// Whether a pod still exists (terminating or not).
    pub fn pod_exists(&self, namespace: &str, name: &str) -> bool {
        self.state
            .pods
            .contains_key(&ObjectKey::new(namespace, name))
    }

    /// Runs time forward until the named pods are gone, at most `limit`.
    pub fn wait_pods_gone(&mut self, namespace: &str, names: &[String], limit: Millis) -> bool {
        let ns = namespace.to_string();
        let names = names.to_vec();
        self.advance_until(limit, move |w| names.iter().all(|n| !w.pod_exists(&ns, n)))
    }

    /// The deployment, if it exists.
    pub fn deployment(&self, namespace: &str, name: &str) -> Option<&Deployment> {
        self.state.deployments.get(&ObjectKey::new(namespace, name))
    }
}
