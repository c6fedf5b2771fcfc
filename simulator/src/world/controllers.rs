//! The deployment and replica-set controllers: Deployments own ReplicaSets own Pods, and a
//! changed pod template rolls out by surge and unavailability budgets.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    DeploymentCondition, DeploymentStatus, ReplicaSet, ReplicaSetSpec, ReplicaSetStatus,
};
use k8s_openapi::api::core::v1::{
    ConfigMapProjection, DownwardAPIProjection, DownwardAPIVolumeFile, KeyToPath,
    ObjectFieldSelector, Pod, PodSpec, ProjectedVolumeSource, ServiceAccountTokenProjection,
    Toleration, Volume, VolumeMount, VolumeProjection,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    LabelSelector, ObjectMeta, OwnerReference, Time,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::World;
use super::names;
use super::state::ObjectKey;

/// Annotation holding a ReplicaSet's (and its Deployment's) revision number.
pub(crate) const REVISION: &str = "deployment.kubernetes.io/revision";

impl World {
    /// Makes every Deployment's ReplicaSets match its spec.
    pub(crate) fn deployment_controller(&mut self) {
        let keys: Vec<ObjectKey> = self.state.deployments.keys().cloned().collect();
        for key in keys {
            self.reconcile_deployment(&key);
        }
    }

    fn reconcile_deployment(&mut self, key: &ObjectKey) {
        // What the reconciliation reads of the deployment, taken once: the deployment itself
        // is only copied when a new ReplicaSet is made from it.
        let Some(d) = self.state.deployments.get(key) else {
            return;
        };
        let Some(spec) = d.spec.as_ref() else {
            return;
        };
        let uid = d.metadata.uid.clone().unwrap_or_default();
        let desired = spec.replicas.unwrap_or(1).max(0);
        let generation = d.metadata.generation.unwrap_or(1);
        let paused = spec.paused == Some(true);
        let recreate = spec.strategy.as_ref().and_then(|s| s.type_.as_deref()) == Some("Recreate");
        let (surge, unavailable) = rolling_budgets(spec, desired);
        let hash = match self.cached_template_hash(&uid, generation) {
            Some(hash) => hash,
            None => {
                let template = spec.template.clone();
                self.template_hash_for(&uid, generation, &template)
            }
        };

        // Find or create the ReplicaSet for the current template.
        let owned: Vec<ObjectKey> = self
            .state
            .replicasets
            .iter()
            .filter(|(_, rs)| owner_uid(&rs.metadata) == Some(uid.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        let max_revision = owned
            .iter()
            .filter_map(|k| revision(&self.state.replicasets[k].metadata))
            .max()
            .unwrap_or(0);
        let new_key = ObjectKey::new(&key.namespace, format!("{}-{hash}", key.name));
        if !owned.contains(&new_key) {
            let d = self.state.deployments[key].clone();
            let spec = d.spec.as_ref().expect("checked above");
            let rs = self.new_replicaset(key, &d.metadata, spec, &hash, max_revision + 1);
            self.state.replicasets.insert(new_key.clone(), rs);
        } else {
            let current = revision(&self.state.replicasets[&new_key].metadata).unwrap_or(0);
            if current < max_revision {
                // A rollback to an older template: that ReplicaSet becomes the newest revision.
                let rev = (max_revision + 1).to_string();
                let rs = self.state.replicasets.get_mut(&new_key).expect("owned");
                rs.metadata
                    .annotations
                    .get_or_insert_with(BTreeMap::new)
                    .insert(REVISION.into(), rev);
            }
        }
        let rev = revision(&self.state.replicasets[&new_key].metadata).unwrap_or(1);
        if let Some(dep) = self.state.deployments.get_mut(key) {
            let annotations = dep.metadata.annotations.get_or_insert_with(BTreeMap::new);
            let rev = rev.to_string();
            if annotations.get(REVISION) != Some(&rev) {
                annotations.insert(REVISION.into(), rev);
            }
        }
        let old_keys: Vec<ObjectKey> = owned.into_iter().filter(|k| *k != new_key).collect();

        if paused {
            return;
        }
        let rs_replicas = |w: &World, k: &ObjectKey| {
            w.state.replicasets[k]
                .spec
                .as_ref()
                .and_then(|s| s.replicas)
                .unwrap_or(0)
        };
        if recreate {
            for k in &old_keys {
                if rs_replicas(self, k) > 0 {
                    self.scale_replicaset(k, 0);
                }
            }
            let old_pods: usize = old_keys.iter().map(|k| self.pods_of(k).len()).sum();
            if old_pods == 0 && rs_replicas(self, &new_key) != desired {
                self.scale_replicaset(&new_key, desired);
            }
            return;
        }

        let total: i32 = std::iter::once(&new_key)
            .chain(&old_keys)
            .map(|k| rs_replicas(self, k))
            .sum();
        let new_replicas = rs_replicas(self, &new_key);
        if new_replicas > desired {
            self.scale_replicaset(&new_key, desired);
        } else if new_replicas < desired {
            let room = desired + surge - total;
            if room > 0 {
                self.scale_replicaset(&new_key, new_replicas + room.min(desired - new_replicas));
            }
        }

        // Scale old ReplicaSets down as far as availability allows.
        let min_available = desired - unavailable;
        let total: i32 = std::iter::once(&new_key)
            .chain(&old_keys)
            .map(|k| rs_replicas(self, k))
            .sum();
        let new_unavailable = (rs_replicas(self, &new_key) - self.ready_pods(&new_key)).max(0);
        let mut budget = total - min_available - new_unavailable;
        for k in &old_keys {
            if budget <= 0 {
                break;
            }
            let r = rs_replicas(self, k);
            if r == 0 {
                continue;
            }
            // Unready old pods go first: removing them costs no availability.
            let unready = (r - self.ready_pods(k)).max(0);
            let cut = r.min(budget.max(unready));
            self.scale_replicaset(k, r - cut);
            budget -= cut;
        }
    }

    fn new_replicaset(
        &mut self,
        deployment: &ObjectKey,
        meta: &ObjectMeta,
        spec: &k8s_openapi::api::apps::v1::DeploymentSpec,
        hash: &str,
        revision: i64,
    ) -> ReplicaSet {
        let mut template = spec.template.clone();
        let tmeta = template.metadata.get_or_insert_with(ObjectMeta::default);
        let labels = tmeta.labels.get_or_insert_with(BTreeMap::new);
        labels.insert("pod-template-hash".into(), hash.into());
        let labels = labels.clone();
        let mut selector = spec.selector.clone();
        selector
            .match_labels
            .get_or_insert_with(BTreeMap::new)
            .insert("pod-template-hash".into(), hash.into());
        let mut annotations = BTreeMap::from([
            (
                "deployment.kubernetes.io/desired-replicas".to_string(),
                spec.replicas.unwrap_or(1).to_string(),
            ),
            (
                "deployment.kubernetes.io/max-replicas".to_string(),
                (spec.replicas.unwrap_or(1) + rolling_budgets(spec, spec.replicas.unwrap_or(1)).0)
                    .to_string(),
            ),
            (REVISION.to_string(), revision.to_string()),
        ]);
        if let Some(cause) = meta
            .annotations
            .as_ref()
            .and_then(|a| a.get("kubernetes.io/change-cause"))
        {
            annotations.insert("kubernetes.io/change-cause".into(), cause.clone());
        }
        let rs_meta = self.fresh_meta(ObjectMeta {
            name: Some(format!("{}-{hash}", deployment.name)),
            namespace: Some(deployment.namespace.clone()),
            labels: Some(labels),
            annotations: Some(annotations),
            owner_references: Some(vec![OwnerReference {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                name: deployment.name.clone(),
                uid: meta.uid.clone().unwrap_or_default(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            generation: Some(1),
            ..Default::default()
        });
        ReplicaSet {
            metadata: rs_meta,
            spec: Some(ReplicaSetSpec {
                replicas: Some(0),
                selector: LabelSelector {
                    match_labels: selector.match_labels,
                    match_expressions: selector.match_expressions,
                },
                template: Some(template),
                min_ready_seconds: spec.min_ready_seconds,
            }),
            status: Some(ReplicaSetStatus {
                replicas: 0,
                observed_generation: Some(1),
                ..Default::default()
            }),
        }
    }

    /// Sets a ReplicaSet's replica count and records the deployment event.
    fn scale_replicaset(&mut self, key: &ObjectKey, to: i32) {
        let rv = self.next_resource_version();
        let Some(rs) = self.state.replicasets.get_mut(key) else {
            return;
        };
        let spec = rs.spec.as_mut().expect("a replica set has a spec");
        let from = spec.replicas.unwrap_or(0);
        if from == to {
            return;
        }
        spec.replicas = Some(to);
        rs.metadata.generation = Some(rs.metadata.generation.unwrap_or(1) + 1);
        rs.metadata.resource_version = Some(rv);
        if let Some(a) = rs.metadata.annotations.as_mut() {
            a.insert(
                "deployment.kubernetes.io/desired-replicas".into(),
                to.max(from).to_string(),
            );
        }
        let owner = rs
            .metadata
            .owner_references
            .as_ref()
            .and_then(|o| o.first())
            .map(|o| (o.name.clone(), o.uid.clone()));
        if let Some((name, uid)) = owner {
            let dkey = ObjectKey::new(&key.namespace, name);
            let verb = if to > from { "up" } else { "down" };
            self.event_object(
                super::events::object_ref("apps/v1", "Deployment", &dkey, Some(uid)),
                "deployment-controller",
                (
                    "Normal",
                    "ScalingReplicaSet",
                    format!("Scaled {verb} replica set {} from {from} to {to}", key.name),
                ),
            );
        }
    }

    /// Pods owned by a ReplicaSet that are not being deleted.
    pub(crate) fn pods_of(&self, rs: &ObjectKey) -> Vec<ObjectKey> {
        let Some(uid) = self
            .state
            .replicasets
            .get(rs)
            .and_then(|r| r.metadata.uid.clone())
        else {
            return Vec::new();
        };
        self.state
            .pods
            .iter()
            .filter(|(k, p)| {
                k.namespace == rs.namespace
                    && owner_uid(&p.metadata) == Some(uid.as_str())
                    && p.metadata.deletion_timestamp.is_none()
            })
            .map(|(k, _)| k.clone())
            .collect()
    }

    fn ready_pods(&self, rs: &ObjectKey) -> i32 {
        self.pods_of(rs)
            .iter()
            .filter(|k| pod_ready(&self.state.pods[*k]))
            .count() as i32
    }

    /// Makes every ReplicaSet's pods match its replica count.
    pub(crate) fn replicaset_controller(&mut self) {
        let keys: Vec<ObjectKey> = self.state.replicasets.keys().cloned().collect();
        for key in keys {
            let want = self.state.replicasets[&key]
                .spec
                .as_ref()
                .and_then(|s| s.replicas)
                .unwrap_or(0);
            let mut have = self.pods_of(&key);
            let count = have.len() as i32;
            if count < want {
                for _ in count..want {
                    self.create_pod(&key);
                }
            } else if count > want {
                // Delete the least useful pods first: not ready before ready, newest first.
                have.sort_by_key(|k| {
                    let p = &self.state.pods[k];
                    let created = p
                        .metadata
                        .creation_timestamp
                        .as_ref()
                        .map(|t| t.0.as_millisecond())
                        .unwrap_or(0);
                    (pod_ready(p), std::cmp::Reverse(created), k.name.clone())
                });
                for k in have.into_iter().take((count - want) as usize) {
                    let uid = self.state.replicasets[&key].metadata.uid.clone();
                    self.event_object(
                        super::events::object_ref("apps/v1", "ReplicaSet", &key, uid),
                        "replicaset-controller",
                        (
                            "Normal",
                            "SuccessfulDelete",
                            format!("Deleted pod: {}", k.name),
                        ),
                    );
                    self.delete_pod(&k, None);
                }
            }
        }
    }

    fn create_pod(&mut self, rs_key: &ObjectKey) {
        let rs = self.state.replicasets[rs_key].clone();
        let template = rs
            .spec
            .as_ref()
            .and_then(|s| s.template.clone())
            .unwrap_or_default();
        let name = loop {
            let candidate = format!("{}-{}", rs_key.name, names::random_suffix(&mut self.rng, 5));
            if !self
                .state
                .pods
                .contains_key(&ObjectKey::new(&rs_key.namespace, &candidate))
            {
                break candidate;
            }
        };
        let tmeta = template.metadata.clone().unwrap_or_default();
        let mut spec: PodSpec = template.spec.clone().unwrap_or_default();
        spec.node_name = Some(self.schedule());
        spec.service_account_name
            .get_or_insert_with(|| "default".into());
        spec.service_account = spec.service_account_name.clone();
        spec.enable_service_links.get_or_insert(true);
        spec.preemption_policy
            .get_or_insert_with(|| "PreemptLowerPriority".into());
        spec.priority.get_or_insert(0);
        let tolerations = spec.tolerations.get_or_insert_with(Vec::new);
        for effect_key in [
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
        ] {
            tolerations.push(Toleration {
                key: Some(effect_key.into()),
                operator: Some("Exists".into()),
                effect: Some("NoExecute".into()),
                toleration_seconds: Some(300),
                value: None,
            });
        }
        let volume = format!("kube-api-access-{}", names::random_suffix(&mut self.rng, 5));
        spec.volumes
            .get_or_insert_with(Vec::new)
            .push(api_access_volume(&volume));
        for c in &mut spec.containers {
            c.volume_mounts
                .get_or_insert_with(Vec::new)
                .push(VolumeMount {
                    name: volume.clone(),
                    mount_path: "/var/run/secrets/kubernetes.io/serviceaccount".into(),
                    read_only: Some(true),
                    ..Default::default()
                });
        }
        let meta = self.fresh_meta(ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(rs_key.namespace.clone()),
            labels: tmeta.labels.clone(),
            annotations: tmeta.annotations.clone(),
            owner_references: Some(vec![OwnerReference {
                api_version: "apps/v1".into(),
                kind: "ReplicaSet".into(),
                name: rs_key.name.clone(),
                uid: rs.metadata.uid.clone().unwrap_or_default(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            generate_name: Some(format!("{}-", rs_key.name)),
            ..Default::default()
        });
        let pod = Pod {
            metadata: meta,
            spec: Some(spec),
            status: None,
        };
        let key = ObjectKey::new(&rs_key.namespace, &name);
        let runtime = self.new_pod_runtime(&pod);
        let node = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .unwrap_or_default();
        self.state.pods.insert(key.clone(), pod);
        self.state.pod_runtime.insert(key.clone(), runtime);
        self.event_object(
            super::events::object_ref("apps/v1", "ReplicaSet", rs_key, rs.metadata.uid.clone()),
            "replicaset-controller",
            ("Normal", "SuccessfulCreate", format!("Created pod: {name}")),
        );
        let uid = self.state.pods[&key].metadata.uid.clone();
        self.event_object(
            super::events::object_ref("v1", "Pod", &key, uid),
            "default-scheduler",
            (
                "Normal",
                "Scheduled",
                format!(
                    "Successfully assigned {}/{name} to {node}",
                    rs_key.namespace
                ),
            ),
        );
    }

    /// Marks a pod for deletion; its containers stop within the grace period and it goes away.
    /// Returns whether the pod existed and was not already terminating.
    pub(crate) fn delete_pod(&mut self, key: &ObjectKey, grace_seconds: Option<i64>) -> bool {
        let now = self.clock.elapsed();
        let Some(pod) = self.state.pods.get(key) else {
            return false;
        };
        if pod.metadata.deletion_timestamp.is_some() {
            return false;
        }
        let grace = grace_seconds.unwrap_or_else(|| {
            pod.spec
                .as_ref()
                .and_then(|s| s.termination_grace_period_seconds)
                .unwrap_or(30)
        });
        let names: Vec<String> = pod
            .spec
            .as_ref()
            .map(|s| s.containers.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        // Services stop quickly on SIGTERM: a second or two, never past the grace period.
        let stop = (grace * 1000).min(1000 + (key.name.len() as i64 % 3) * 500);
        let rv = self.next_resource_version();
        let deadline = Time(self.clock.at(now + crate::clock::Millis::from_secs(grace)));
        if let Some(pod) = self.state.pods.get_mut(key) {
            pod.metadata.deletion_timestamp = Some(deadline);
            pod.metadata.deletion_grace_period_seconds = Some(grace);
            pod.metadata.resource_version = Some(rv);
        }
        if let Some(rt) = self.state.pod_runtime.get_mut(key) {
            rt.gone_at = Some(now + crate::clock::Millis(stop.max(0)));
        }
        for name in names {
            self.event_pod(
                key,
                "Normal",
                "Killing",
                format!("Stopping container {name}"),
            );
        }
        true
    }

    /// Rewrites every ReplicaSet's status from its pods.
    pub(crate) fn replicaset_status(&mut self) {
        let keys: Vec<ObjectKey> = self.state.replicasets.keys().cloned().collect();
        for key in keys {
            let pods = self.pods_of(&key);
            let ready = pods
                .iter()
                .filter(|k| pod_ready(&self.state.pods[*k]))
                .count() as i32;
            let rs = self
                .state
                .replicasets
                .get_mut(&key)
                .expect("key from the map");
            let status = ReplicaSetStatus {
                replicas: pods.len() as i32,
                fully_labeled_replicas: Some(pods.len() as i32),
                ready_replicas: Some(ready),
                available_replicas: Some(ready),
                observed_generation: rs.metadata.generation,
                conditions: None,
                terminating_replicas: None,
            };
            if rs.status.as_ref() != Some(&status) {
                rs.status = Some(status);
                // A status write is a write: watchers see it by the new version.
                let rv = self.next_resource_version();
                if let Some(rs) = self.state.replicasets.get_mut(&key) {
                    rs.metadata.resource_version = Some(rv);
                }
            }
        }
    }

    /// How long from now until the deployment controller reports, on its own, that the named
    /// deployment's rollout exceeded its progress deadline, if nothing else happens first:
    /// `None` when no deadline is pending (the rollout is complete, paused or already timed
    /// out). The report falls in the first whole second after the deadline.
    pub fn progress_deadline_due(
        &self,
        namespace: &str,
        name: &str,
    ) -> Option<crate::clock::Millis> {
        let d = self.deployment(namespace, name)?;
        let spec = d.spec.as_ref()?;
        if spec.paused == Some(true) {
            return None;
        }
        let condition = d
            .status
            .as_ref()?
            .conditions
            .as_ref()?
            .iter()
            .find(|c| c.type_ == "Progressing")?;
        if condition.status != "True" || condition.reason.as_deref() != Some("ReplicaSetUpdated") {
            return None;
        }
        let since = condition.last_update_time.as_ref()?.0;
        let deadline = i64::from(spec.progress_deadline_seconds.unwrap_or(600));
        let due = since.as_millisecond() + deadline * 1000 + 1000;
        Some(crate::clock::Millis(
            (due - self.clock.now().as_millisecond()).max(0),
        ))
    }

    /// Rewrites every Deployment's status from its ReplicaSets.
    pub(crate) fn deployment_status(&mut self) {
        let now = Time(self.clock.now());
        let keys: Vec<ObjectKey> = self.state.deployments.keys().cloned().collect();
        for key in keys {
            let d = &self.state.deployments[&key];
            let uid = d.metadata.uid.clone().unwrap_or_default();
            let rev = d
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(REVISION))
                .cloned();
            let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let (mut total, mut updated, mut ready) = (0, 0, 0);
            let mut new_rs = None;
            for (k, rs) in &self.state.replicasets {
                if owner_uid(&rs.metadata) != Some(uid.as_str()) {
                    continue;
                }
                let st = rs.status.clone().unwrap_or_default();
                total += st.replicas;
                ready += st.ready_replicas.unwrap_or(0);
                let is_new = rs
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(REVISION))
                    == rev.as_ref();
                if is_new {
                    updated += st.replicas;
                    new_rs = Some(k.name.clone());
                }
            }
            let generation = d.metadata.generation;
            let (_, unavailable_budget) = d
                .spec
                .as_ref()
                .map(|s| rolling_budgets(s, desired))
                .unwrap_or((0, 0));
            let available_ok = ready >= desired - unavailable_budget;
            let complete = updated == desired && total == desired && ready == desired;
            let old = d.status.clone().unwrap_or_default();
            let old_conditions = old.conditions.clone().unwrap_or_default();
            let condition = |kind: &str, ok: bool, reason: &str, message: String| {
                let prev = old_conditions.iter().find(|c| c.type_ == kind);
                let status = if ok { "True" } else { "False" };
                let transition = match prev {
                    Some(p) if p.status == status => p.last_transition_time.clone(),
                    _ => Some(now.clone()),
                };
                let update = match prev {
                    Some(p) if p.status == status && p.reason.as_deref() == Some(reason) => {
                        p.last_update_time.clone()
                    }
                    _ => Some(now.clone()),
                };
                DeploymentCondition {
                    type_: kind.into(),
                    status: status.into(),
                    reason: Some(reason.into()),
                    message: Some(message),
                    last_transition_time: transition,
                    last_update_time: update,
                }
            };
            let rs_name = new_rs.clone().unwrap_or_default();
            let conditions = vec![
                if available_ok {
                    condition(
                        "Available",
                        true,
                        "MinimumReplicasAvailable",
                        "Deployment has minimum availability.".into(),
                    )
                } else {
                    condition(
                        "Available",
                        false,
                        "MinimumReplicasUnavailable",
                        "Deployment does not have minimum availability.".into(),
                    )
                },
                progressing(&ProgressInputs {
                    old: &old,
                    prev: old_conditions.iter().find(|c| c.type_ == "Progressing"),
                    counts: (total, updated, ready),
                    complete,
                    paused: d.spec.as_ref().and_then(|s| s.paused) == Some(true),
                    deadline: d
                        .spec
                        .as_ref()
                        .and_then(|s| s.progress_deadline_seconds)
                        .unwrap_or(600),
                    rs_name: &rs_name,
                    now: &now,
                }),
            ];
            let status = DeploymentStatus {
                observed_generation: generation,
                replicas: Some(total).filter(|v| *v > 0),
                updated_replicas: Some(updated).filter(|v| *v > 0),
                ready_replicas: Some(ready).filter(|v| *v > 0),
                available_replicas: Some(ready).filter(|v| *v > 0),
                unavailable_replicas: Some((desired.max(total) - ready).max(0).min(desired))
                    .filter(|v| *v > 0),
                conditions: Some(conditions),
                ..Default::default()
            };
            let d = self
                .state
                .deployments
                .get_mut(&key)
                .expect("key from the map");
            if d.status.as_ref() != Some(&status) {
                d.status = Some(status);
                let rv = self.next_resource_version();
                if let Some(d) = self.state.deployments.get_mut(&key) {
                    d.metadata.resource_version = Some(rv);
                }
            }
        }
    }
}

/// What the `Progressing` condition of a deployment is computed from.
struct ProgressInputs<'a> {
    /// The status before this pass.
    old: &'a DeploymentStatus,
    /// The `Progressing` condition before this pass.
    prev: Option<&'a DeploymentCondition>,
    /// Pods of all its replica sets, of the new one, and ready ones.
    counts: (i32, i32, i32),
    /// Whether the new replica set has all desired pods available and no old pod is left.
    complete: bool,
    /// Whether the rollout is paused (no deadline applies then).
    paused: bool,
    /// `spec.progressDeadlineSeconds`.
    deadline: i32,
    /// The new replica set's name.
    rs_name: &'a str,
    /// The current instant.
    now: &'a Time,
}

/// The `Progressing` condition as the deployment controller keeps it:
/// - `True`/`NewReplicaSetAvailable` once the new replica set is complete; it stays so while
///   the deployment only scales (all its pods in the new replica set);
/// - `True`/`ReplicaSetUpdated` while a rollout makes progress (more updated, ready or
///   available pods, fewer old ones), its update time the instant of the last progress;
/// - `False`/`ProgressDeadlineExceeded` when a rollout has made no progress for more than
///   `progressDeadlineSeconds` (not while paused), until it progresses again.
///
/// The controller names the start of a rollout `NewReplicaSetCreated` or `FoundNewReplicaSet`;
/// here it is `ReplicaSetUpdated` from the start.
fn progressing(p: &ProgressInputs<'_>) -> DeploymentCondition {
    let (total, updated, ready) = p.counts;
    let make = |ok: bool, reason: &str, message: String, transition: bool, update: bool| {
        let keep = |t: Option<&Time>| t.cloned().unwrap_or_else(|| p.now.clone());
        DeploymentCondition {
            type_: "Progressing".into(),
            status: if ok { "True" } else { "False" }.into(),
            reason: Some(reason.into()),
            message: Some(message),
            last_transition_time: Some(if transition {
                p.now.clone()
            } else {
                keep(p.prev.and_then(|c| c.last_transition_time.as_ref()))
            }),
            last_update_time: Some(if update {
                p.now.clone()
            } else {
                keep(p.prev.and_then(|c| c.last_update_time.as_ref()))
            }),
        }
    };
    let prev_reason = p.prev.and_then(|c| c.reason.as_deref());
    let prev_true = p.prev.is_some_and(|c| c.status == "True");
    let rs = p.rs_name;
    if p.complete {
        let same = prev_reason == Some("NewReplicaSetAvailable") && prev_true;
        return make(
            true,
            "NewReplicaSetAvailable",
            format!("ReplicaSet \"{rs}\" has successfully progressed."),
            !prev_true,
            !same,
        );
    }
    // Whether the condition already speaks of this replica set: a new one starts a rollout.
    let names_rs = p
        .prev
        .and_then(|c| c.message.as_deref())
        .is_some_and(|m| m.starts_with(&format!("ReplicaSet \"{rs}\" ")));
    if let Some(prev) = p.prev
        && prev_reason == Some("NewReplicaSetAvailable")
        && names_rs
        && total == updated
    {
        return prev.clone();
    }
    let old_updated = p.old.updated_replicas.unwrap_or(0);
    let old_old = p.old.replicas.unwrap_or(0) - old_updated;
    let progressed = updated > old_updated
        || total - updated < old_old
        || ready > p.old.ready_replicas.unwrap_or(0)
        || ready > p.old.available_replicas.unwrap_or(0);
    let same_rollout = names_rs && prev_reason != Some("NewReplicaSetAvailable");
    let updating = |transition| {
        make(
            true,
            "ReplicaSetUpdated",
            format!("ReplicaSet \"{rs}\" is progressing."),
            transition,
            true,
        )
    };
    if progressed || !same_rollout {
        return updating(!prev_true);
    }
    let Some(prev) = p.prev else {
        return updating(true);
    };
    if prev_reason == Some("ProgressDeadlineExceeded") {
        return prev.clone();
    }
    let since = prev.last_update_time.as_ref().map(|t| t.0);
    let timed_out = !p.paused
        && since.is_some_and(|t| {
            t.checked_add(k8s_openapi::jiff::SignedDuration::from_secs(i64::from(
                p.deadline,
            )))
            .is_ok_and(|end| end < p.now.0)
        });
    if timed_out {
        return make(
            false,
            "ProgressDeadlineExceeded",
            format!("ReplicaSet \"{rs}\" has timed out progressing."),
            true,
            true,
        );
    }
    prev.clone()
}

/// The controlling owner's uid.
pub(crate) fn owner_uid(meta: &ObjectMeta) -> Option<&str> {
    meta.owner_references
        .as_ref()?
        .iter()
        .find(|o| o.controller == Some(true))
        .map(|o| o.uid.as_str())
}

/// The revision annotation as a number.
pub(crate) fn revision(meta: &ObjectMeta) -> Option<i64> {
    meta.annotations.as_ref()?.get(REVISION)?.parse().ok()
}

/// Whether the pod's Ready condition is true.
pub fn pod_ready(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Max surge and max unavailable, resolved against `desired` as the controller rounds them
/// (surge up, unavailability down; never both zero).
pub(crate) fn rolling_budgets(
    spec: &k8s_openapi::api::apps::v1::DeploymentSpec,
    desired: i32,
) -> (i32, i32) {
    let ru = spec
        .strategy
        .as_ref()
        .and_then(|s| s.rolling_update.as_ref());
    let resolve = |v: Option<&IntOrString>, default: &str, round_up: bool| -> i32 {
        match v {
            Some(IntOrString::Int(i)) => *i,
            Some(IntOrString::String(s)) => percent(s, desired, round_up),
            None => percent(default, desired, round_up),
        }
    };
    let surge = resolve(ru.and_then(|r| r.max_surge.as_ref()), "25%", true);
    let unavailable = resolve(ru.and_then(|r| r.max_unavailable.as_ref()), "25%", false);
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

fn percent(s: &str, of: i32, round_up: bool) -> i32 {
    let p: i64 = s.trim_end_matches('%').parse().unwrap_or(25);
    let scaled = p * i64::from(of);
    (if round_up {
        (scaled + 99) / 100
    } else {
        scaled / 100
    }) as i32
}

fn api_access_volume(name: &str) -> Volume {
    Volume {
        name: name.into(),
        projected: Some(ProjectedVolumeSource {
            default_mode: Some(420),
            sources: Some(vec![
                VolumeProjection {
                    service_account_token: Some(ServiceAccountTokenProjection {
                        expiration_seconds: Some(3607),
                        path: "token".into(),
                        audience: None,
                    }),
                    ..Default::default()
                },
                VolumeProjection {
                    config_map: Some(ConfigMapProjection {
                        name: "kube-root-ca.crt".into(),
                        items: Some(vec![KeyToPath {
                            key: "ca.crt".into(),
                            path: "ca.crt".into(),
                            mode: None,
                        }]),
                        optional: None,
                    }),
                    ..Default::default()
                },
                VolumeProjection {
                    downward_api: Some(DownwardAPIProjection {
                        items: Some(vec![DownwardAPIVolumeFile {
                            path: "namespace".into(),
                            field_ref: Some(ObjectFieldSelector {
                                api_version: Some("v1".into()),
                                field_path: "metadata.namespace".into(),
                            }),
                            ..Default::default()
                        }]),
                    }),
                    ..Default::default()
                },
            ]),
        }),
        ..Default::default()
    }
}
