//! The simulated kubelet: container lifecycles (image pulls, starts, probes, crashes, back-off)
//! and the pod status they produce.

use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
    ContainerStatus, Pod, PodCondition, PodIP, PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use rand::RngExt;

use super::World;
use super::state::ObjectKey;
use crate::clock::Millis;

/// The longest back-off between restarts or pulls, as the kubelet caps it.
const MAX_BACKOFF: Millis = Millis::from_secs(300);
/// The first back-off.
const INITIAL_BACKOFF: Millis = Millis::from_secs(10);

/// Simulation-only state of one pod.
#[derive(Clone, Debug)]
pub(crate) struct PodRuntime {
    /// When the pod sandbox (and so the pod IP) exists.
    pub sandbox_at: Millis,
    /// The pod IP once the sandbox exists.
    pub ip: String,
    /// One entry per spec container, in spec order.
    pub containers: Vec<ContainerRuntime>,
    /// When a deleted pod's containers have stopped and the pod goes away.
    pub gone_at: Option<Millis>,
}

/// Simulation-only state of one container.
#[derive(Clone, Debug)]
pub(crate) struct ContainerRuntime {
    pub name: String,
    pub image: String,
    pub phase: Phase,
    pub restarts: i32,
    pub last_terminated: Option<Terminated>,
    pub backoff: Millis,
    pub container_id: String,
    pub pulled_once: bool,
}

/// A finished run of a container.
#[derive(Clone, Debug)]
pub(crate) struct Terminated {
    /// The last line the run logged, explaining the exit.
    pub log: String,
    pub reason: String,
    pub exit_code: i32,
    pub started: Millis,
    pub finished: Millis,
}

/// Where a container is in its lifecycle.
#[derive(Clone, Debug)]
pub(crate) enum Phase {
    /// Waiting for the sandbox, then pulling the image until `until`.
    Creating { until: Millis },
    /// The pull failed; `ErrImagePull` until `backoff_at`, then `ImagePullBackOff` until `retry_at`.
    PullFailed {
        backoff_at: Millis,
        retry_at: Millis,
        message: String,
    },
    /// Running since `since`; ready from `ready_at` if probes pass.
    Running { since: Millis, ready_at: Millis },
    /// Exited; restarting at `restart_at` (`CrashLoopBackOff` meanwhile).
    BackOff { restart_at: Millis },
    /// Stopped because the pod is being deleted.
    Stopped,
}

/// How a container behaves under the scenario's faults and registry, decided fresh at each step.
#[derive(Clone, Debug, Default)]
pub(crate) struct Behaviour {
    /// The image cannot be pulled; the message says why.
    pub pull_error: Option<String>,
    /// The container exits this long after each start, with this reason, exit code and last
    /// log line.
    pub exits_after: Option<(Millis, &'static str, i32, String)>,
    /// Probes fail: never ready, and killed by the liveness probe when it has one.
    pub probes_fail: bool,
}

impl World {
    /// Creates the runtime record for a new pod.
    pub(crate) fn new_pod_runtime(&mut self, pod: &Pod) -> PodRuntime {
        let now = self.clock.elapsed();
        let containers = pod
            .spec
            .as_ref()
            .map(|s| s.containers.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|c| ContainerRuntime {
                name: c.name.clone(),
                image: c.image.clone().unwrap_or_default(),
                phase: Phase::Creating {
                    until: Millis(i64::MAX),
                },
                restarts: 0,
                last_terminated: None,
                backoff: INITIAL_BACKOFF,
                container_id: String::new(),
                pulled_once: false,
            })
            .collect();
        let ip = self.allocate_pod_ip();
        PodRuntime {
            sandbox_at: now + Millis(self.rng.random_range(800..1500)),
            ip,
            containers,
            gone_at: None,
        }
    }

    /// Advances every pod's containers to time `t` and rewrites the pod statuses.
    pub(crate) fn kubelet_step(&mut self, t: Millis) {
        let keys: Vec<ObjectKey> = self.state.pod_runtime.keys().cloned().collect();
        for key in keys {
            self.step_pod(&key, t);
        }
    }

    fn step_pod(&mut self, key: &ObjectKey, t: Millis) {
        let Some((rt_key, mut rt)) = self.state.pod_runtime.remove_entry(key) else {
            return;
        };
        // The pod is taken out of its map entry while it steps, so that the step reads it in
        // place while it writes the rest of the world (events, the generator) instead of
        // copying it every second; nothing the step calls looks the pod up in the map, and
        // only its status changes before it goes back.
        let Some(entry) = self.state.pods.get_mut(key) else {
            return;
        };
        let mut pod = std::mem::take(entry);

        if let Some(gone_at) = rt.gone_at {
            if t >= gone_at {
                self.state.pods.remove(key);
                self.on_pod_removed(key);
                return;
            }
            for c in &mut rt.containers {
                if matches!(c.phase, Phase::Running { .. }) {
                    c.last_terminated = None;
                }
                c.phase = Phase::Stopped;
            }
            self.write_pod_status(key, &mut pod, &rt, t);
            self.put_pod_back(key, pod);
            self.state.pod_runtime.insert(rt_key, rt);
            return;
        }

        if t >= rt.sandbox_at {
            for i in 0..rt.containers.len() {
                let behaviour = self.behaviour(&pod, i);
                self.step_container(key, &pod, &mut rt, i, &behaviour, t);
            }
        }
        self.write_pod_status(key, &mut pod, &rt, t);
        self.put_pod_back(key, pod);
        self.state.pod_runtime.insert(rt_key, rt);
    }

    /// Returns a pod taken out of its entry by [`World::step_pod`].
    fn put_pod_back(&mut self, key: &ObjectKey, pod: Pod) {
        *self
            .state
            .pods
            .get_mut(key)
            .expect("the step keeps the pod's entry") = pod;
    }

    fn step_container(
        &mut self,
        key: &ObjectKey,
        pod: &Pod,
        rt: &mut PodRuntime,
        i: usize,
        behaviour: &Behaviour,
        t: Millis,
    ) {
        let spec = &pod
            .spec
            .as_ref()
            .expect("a running pod has a spec")
            .containers[i];
        let c = &mut rt.containers[i];
        match c.phase.clone() {
            Phase::Creating { until } if until == Millis(i64::MAX) => {
                // The sandbox is up: start pulling.
                let image = c.image.clone();
                let always = spec.image_pull_policy.as_deref() == Some("Always")
                    || (spec.image_pull_policy.is_none()
                        && crate::scenario::split_image(&image).1 == "latest");
                let cached = self.node_images.contains(&image);
                let pull_ms = if cached && !always {
                    0
                } else {
                    self.rng.random_range(1500..6000)
                };
                let c = &mut rt.containers[i];
                if pull_ms == 0 {
                    c.phase = Phase::Creating { until: t };
                    self.event_about_pod(
                        key,
                        pod,
                        "Normal",
                        "Pulled",
                        format!("Container image \"{image}\" already present on machine"),
                    );
                } else {
                    c.phase = Phase::Creating {
                        until: t + Millis(pull_ms),
                    };
                    self.event_about_pod(
                        key,
                        pod,
                        "Normal",
                        "Pulling",
                        format!("Pulling image \"{image}\""),
                    );
                }
            }
            Phase::Creating { until } if t >= until => {
                let image = c.image.clone();
                if let Some(message) = behaviour.pull_error.clone() {
                    c.phase = Phase::PullFailed {
                        backoff_at: t + Millis::from_secs(1),
                        retry_at: t + c.backoff,
                        message: message.clone(),
                    };
                    c.backoff = (c.backoff + c.backoff).min(MAX_BACKOFF);
                    self.event_about_pod(key, pod, "Warning", "Failed", message);
                    self.event_about_pod(
                        key,
                        pod,
                        "Warning",
                        "Failed",
                        "Error: ErrImagePull".to_string(),
                    );
                    return;
                }
                let was_pulled =
                    !c.pulled_once && until > Millis(0) && !self.node_images.contains(&image);
                c.pulled_once = true;
                if was_pulled {
                    let secs = self.rng.random_range(1500..6000) as f64 / 1000.0;
                    let size = self.rng.random_range(8_000_000u64..250_000_000);
                    self.event_about_pod(
                        key,
                        pod,
                        "Normal",
                        "Pulled",
                        format!(
                            "Successfully pulled image \"{image}\" in {secs:.3}s ({secs:.3}s including waiting). Image size: {size} bytes."
                        ),
                    );
                }
                self.node_images.insert(image);
                self.start_container(key, pod, rt, i, t);
            }
            Phase::PullFailed {
                backoff_at,
                retry_at,
                message: _,
            } => {
                if t >= retry_at {
                    // The kubelet pulls again; the status keeps its back-off reason meanwhile,
                    // and a still-missing image fails again at once.
                    let image = rt.containers[i].image.clone();
                    self.event_about_pod(
                        key,
                        pod,
                        "Normal",
                        "Pulling",
                        format!("Pulling image \"{image}\""),
                    );
                    match behaviour.pull_error.clone() {
                        Some(message) => {
                            let c = &mut rt.containers[i];
                            c.phase = Phase::PullFailed {
                                backoff_at: t + Millis::from_secs(1),
                                retry_at: t + c.backoff,
                                message: message.clone(),
                            };
                            c.backoff = (c.backoff + c.backoff).min(MAX_BACKOFF);
                            self.event_about_pod(key, pod, "Warning", "Failed", message);
                            self.event_about_pod(
                                key,
                                pod,
                                "Warning",
                                "Failed",
                                "Error: ErrImagePull".to_string(),
                            );
                        }
                        None => {
                            rt.containers[i].phase = Phase::Creating {
                                until: t + Millis(self.rng.random_range(1500..6000)),
                            };
                        }
                    }
                } else if t >= backoff_at && t < backoff_at + Millis(1000) {
                    let image = rt.containers[i].image.clone();
                    self.event_about_pod(
                        key,
                        pod,
                        "Normal",
                        "BackOff",
                        format!("Back-off pulling image \"{image}\""),
                    );
                    self.event_about_pod(
                        key,
                        pod,
                        "Warning",
                        "Failed",
                        "Error: ImagePullBackOff".to_string(),
                    );
                }
            }
            Phase::Running { since, .. } => {
                if let Some((after, reason, code, log)) = behaviour.exits_after.clone()
                    && t >= since + after
                {
                    self.container_exited(rt, i, since, t, (reason, code, log));
                    return;
                }
                if behaviour.probes_fail {
                    let liveness = spec.liveness_probe.as_ref();
                    let readiness = spec.readiness_probe.as_ref();
                    if let Some(probe) = readiness
                        && t >= since
                            + Millis::from_secs(i64::from(probe.initial_delay_seconds.unwrap_or(0)))
                        && (t - since).as_secs() % 30 == 0
                    {
                        let ip = rt.ip.clone();
                        let target = probe_target(probe, &ip);
                        self.event_about_pod(
                            key,
                            pod,
                            "Warning",
                            "Unhealthy",
                            format!("Readiness probe failed: Get \"{target}\": dial tcp {}: connect: connection refused", target_host(&target)),
                        );
                    }
                    if let Some(probe) = liveness {
                        let delay = i64::from(probe.initial_delay_seconds.unwrap_or(0));
                        let period = i64::from(probe.period_seconds.unwrap_or(10));
                        let threshold = i64::from(probe.failure_threshold.unwrap_or(3));
                        if t >= since + Millis::from_secs(delay + period * threshold) {
                            let ip = rt.ip.clone();
                            let target = probe_target(probe, &ip);
                            self.event_about_pod(
                                key,
                                pod,
                                "Warning",
                                "Unhealthy",
                                format!("Liveness probe failed: Get \"{target}\": dial tcp {}: connect: connection refused", target_host(&target)),
                            );
                            let name = rt.containers[i].name.clone();
                            self.event_about_pod(
                                key,
                                pod,
                                "Normal",
                                "Killing",
                                format!(
                                    "Container {name} failed liveness probe, will be restarted"
                                ),
                            );
                            self.container_exited(rt, i, since, t, ("Error", 137, String::new()));
                        }
                    }
                }
            }
            Phase::BackOff { restart_at } => {
                if t >= restart_at {
                    let image = rt.containers[i].image.clone();
                    self.event_about_pod(
                        key,
                        pod,
                        "Normal",
                        "Pulled",
                        format!("Container image \"{image}\" already present on machine"),
                    );
                    self.start_container(key, pod, rt, i, t);
                } else if (restart_at - t).0 % 30_000 < 1000 {
                    let name = rt.containers[i].name.clone();
                    let uid = pod.metadata.uid.clone().unwrap_or_default();
                    self.event_about_pod(
                        key,
                        pod,
                        "Warning",
                        "BackOff",
                        format!(
                            "Back-off restarting failed container {name} in pod {}_{}({uid})",
                            key.name, key.namespace
                        ),
                    );
                }
            }
            Phase::Creating { .. } | Phase::Stopped => {}
        }
    }

    fn start_container(
        &mut self,
        key: &ObjectKey,
        pod: &Pod,
        rt: &mut PodRuntime,
        i: usize,
        t: Millis,
    ) {
        let spec = &pod
            .spec
            .as_ref()
            .expect("a running pod has a spec")
            .containers[i];
        let ready_at = match &spec.readiness_probe {
            Some(p) => {
                let delay = i64::from(p.initial_delay_seconds.unwrap_or(0));
                let period = i64::from(p.period_seconds.unwrap_or(10)).max(1);
                t + Millis::from_secs(delay) + Millis(self.rng.random_range(0..period * 1000))
            }
            None => t,
        };
        let id = super::names::hex(&mut self.rng, 32);
        let c = &mut rt.containers[i];
        c.container_id = format!("containerd://{id}");
        c.phase = Phase::Running { since: t, ready_at };
        let name = c.name.clone();
        self.event_about_pod(
            key,
            pod,
            "Normal",
            "Created",
            format!("Created container: {name}"),
        );
        self.event_about_pod(
            key,
            pod,
            "Normal",
            "Started",
            format!("Started container {name}"),
        );
    }

    fn container_exited(
        &mut self,
        rt: &mut PodRuntime,
        i: usize,
        since: Millis,
        t: Millis,
        (reason, code, log): (&'static str, i32, String),
    ) {
        let c = &mut rt.containers[i];
        c.last_terminated = Some(Terminated {
            log,
            reason: reason.to_string(),
            exit_code: code,
            started: since,
            finished: t,
        });
        c.restarts += 1;
        // The first restart is immediate; later ones back off, doubling up to five minutes.
        let delay = if c.restarts == 1 {
            Millis(0)
        } else {
            c.backoff
        };
        if c.restarts > 1 {
            c.backoff = (c.backoff + c.backoff).min(MAX_BACKOFF);
        }
        c.phase = Phase::BackOff {
            restart_at: t + delay,
        };
    }

    /// Renders a pod's status from its runtime record.
    ///
    /// TODO: the whole status (container statuses, conditions, image names and digests) is
    /// built again for every pod at every step and compared with the stored one, which is
    /// about 15% of an offline trial's instructions; keeping the per-container strings in
    /// the runtime record, or rebuilding only when the record or a time threshold it reads
    /// has changed, would make an unchanged pod nearly free.
    fn write_pod_status(&mut self, key: &ObjectKey, pod: &mut Pod, rt: &PodRuntime, t: Millis) {
        let clock = &self.clock;
        let time = |m: Millis| Time(clock.at(m));
        let created = pod
            .metadata
            .creation_timestamp
            .clone()
            .unwrap_or_else(|| time(t));
        let sandbox = t >= rt.sandbox_at;
        let node = pod.spec.as_ref().and_then(|s| s.node_name.clone());
        let host_ip = node.as_ref().and_then(|n| self.node_ips.get(n).cloned());

        let mut statuses = Vec::new();
        let mut any_running = false;
        let mut all_ready = !rt.containers.is_empty();
        let mut ready_since = Millis(0);
        for c in &rt.containers {
            let (state, ready, started) = match &c.phase {
                Phase::Creating { .. } => (waiting("ContainerCreating", None), false, false),
                Phase::PullFailed {
                    backoff_at,
                    message,
                    ..
                } => {
                    let reason = if t >= *backoff_at {
                        "ImagePullBackOff"
                    } else {
                        "ErrImagePull"
                    };
                    let msg = if reason == "ImagePullBackOff" {
                        format!("Back-off pulling image \"{}\": {}", c.image, message)
                    } else {
                        message.clone()
                    };
                    (waiting(reason, Some(msg)), false, false)
                }
                Phase::Running { since, ready_at } => {
                    any_running = true;
                    let ready = t >= *ready_at && !self.probes_failing(pod);
                    if ready {
                        ready_since = ready_since.max(*ready_at);
                    }
                    (
                        ContainerState {
                            running: Some(ContainerStateRunning {
                                started_at: Some(time(*since)),
                            }),
                            ..Default::default()
                        },
                        ready,
                        true,
                    )
                }
                Phase::BackOff { .. } => {
                    let msg = format!(
                        "back-off {} restarting failed container={} pod={}_{}({})",
                        crate::clock::go_duration(c.backoff),
                        c.name,
                        key.name,
                        key.namespace,
                        pod.metadata.uid.clone().unwrap_or_default()
                    );
                    (waiting("CrashLoopBackOff", Some(msg)), false, false)
                }
                Phase::Stopped => (
                    ContainerState {
                        terminated: Some(ContainerStateTerminated {
                            exit_code: 0,
                            reason: Some("Completed".into()),
                            finished_at: Some(time(t)),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                    false,
                    false,
                ),
            };
            all_ready &= ready;
            let last_state = c.last_terminated.as_ref().map(|l| ContainerState {
                terminated: Some(ContainerStateTerminated {
                    container_id: Some(c.container_id.clone()),
                    exit_code: l.exit_code,
                    finished_at: Some(time(l.finished)),
                    reason: Some(l.reason.clone()),
                    started_at: Some(time(l.started)),
                    ..Default::default()
                }),
                ..Default::default()
            });
            let (repo, tag) = crate::scenario::split_image(&c.image);
            let full = if repo.contains('/') {
                format!("docker.io/{repo}:{tag}")
            } else {
                format!("docker.io/library/{repo}:{tag}")
            };
            statuses.push(ContainerStatus {
                name: c.name.clone(),
                image: full.clone(),
                image_id: if c.pulled_once {
                    format!(
                        "{}@sha256:{}",
                        full.rsplit_once(':').map_or(full.as_str(), |x| x.0),
                        image_digest(&c.image)
                    )
                } else {
                    String::new()
                },
                container_id: (!c.container_id.is_empty()).then(|| c.container_id.clone()),
                ready,
                started: Some(started),
                restart_count: c.restarts,
                state: Some(state),
                last_state: Some(last_state.unwrap_or_default()),
                ..Default::default()
            });
        }

        let phase = if any_running || rt.containers.iter().any(|c| c.restarts > 0) {
            "Running"
        } else {
            "Pending"
        };
        let cond = |kind: &str, ok: bool, at: Millis| PodCondition {
            type_: kind.to_string(),
            status: if ok { "True" } else { "False" }.to_string(),
            last_transition_time: Some(time(at)),
            last_probe_time: None,
            reason: (!ok && (kind == "Ready" || kind == "ContainersReady"))
                .then(|| "ContainersNotReady".to_string()),
            message: (!ok && (kind == "Ready" || kind == "ContainersReady")).then(|| {
                let names: Vec<&str> = statuses
                    .iter()
                    .filter(|s| !s.ready)
                    .map(|s| s.name.as_str())
                    .collect();
                format!("containers with unready status: [{}]", names.join(" "))
            }),
            ..Default::default()
        };
        let created_ms = Millis(created.0.as_millisecond() - clock.epoch_unix_millis());
        let ready_at = if all_ready { ready_since } else { t };
        let conditions = vec![
            cond("PodReadyToStartContainers", sandbox, rt.sandbox_at.min(t)),
            cond("Initialized", true, created_ms),
            cond("Ready", all_ready, ready_at),
            cond("ContainersReady", all_ready, ready_at),
            cond("PodScheduled", true, created_ms),
        ];
        let status = PodStatus {
            phase: Some(phase.to_string()),
            conditions: Some(conditions),
            host_ip: host_ip.clone(),
            host_ips: host_ip.map(|ip| vec![k8s_openapi::api::core::v1::HostIP { ip }]),
            pod_ip: sandbox.then(|| rt.ip.clone()),
            pod_ips: sandbox.then(|| vec![PodIP { ip: rt.ip.clone() }]),
            start_time: Some(created),
            container_statuses: Some(statuses),
            qos_class: Some(qos_class(pod).to_string()),
            ..Default::default()
        };
        if pod.status.as_ref() != Some(&status) {
            pod.status = Some(status);
            self.dirty = true;
            // A status write is a write: watchers see it by the new version.
            let rv = self.next_resource_version();
            if let Some(p) = self.state.pods.get_mut(key) {
                p.metadata.resource_version = Some(rv);
            }
        }
    }

    /// The last log line of a container's most recent exited run, if it ended on its own.
    pub fn last_exit_log(&self, key: &ObjectKey, container: &str) -> Option<String> {
        self.state
            .pod_runtime
            .get(key)?
            .containers
            .iter()
            .find(|c| c.name == container)?
            .last_terminated
            .as_ref()
            .map(|t| t.log.clone())
            .filter(|l| !l.is_empty())
    }

    /// Whether a pod's probes fail under the current faults (PodFailure).
    fn probes_failing(&self, pod: &Pod) -> bool {
        self.faults_for(pod)
            .any(|f| matches!(f.kind, crate::fault::FaultKind::PodFailure))
    }
}

/// The next instant after `now` at which one of the pod's timers fires (`None`: every second).
pub(crate) fn next_timer(rt: &PodRuntime, now: Millis) -> Option<Millis> {
    let mut wake = Millis(i64::MAX);
    let mut consider = |t: Millis| {
        if t > now {
            wake = wake.min(t);
        }
    };
    consider(rt.sandbox_at);
    if let Some(g) = rt.gone_at {
        consider(g);
    }
    for c in &rt.containers {
        match &c.phase {
            Phase::Creating { until } => {
                if *until == Millis(i64::MAX) && now >= rt.sandbox_at {
                    return None;
                }
                consider(*until);
            }
            Phase::PullFailed { .. } | Phase::BackOff { .. } => return None,
            Phase::Running { ready_at, .. } => consider(*ready_at),
            Phase::Stopped => {}
        }
    }
    Some(wake)
}

fn waiting(reason: &str, message: Option<String>) -> ContainerState {
    ContainerState {
        waiting: Some(ContainerStateWaiting {
            reason: Some(reason.to_string()),
            message,
        }),
        ..Default::default()
    }
}

/// The URL an HTTP probe requests.
fn probe_target(probe: &k8s_openapi::api::core::v1::Probe, ip: &str) -> String {
    let (path, port) = probe
        .http_get
        .as_ref()
        .map(|h| {
            let port = match &h.port {
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(p) => p.to_string(),
                k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
            };
            (h.path.clone().unwrap_or_else(|| "/".into()), port)
        })
        .unwrap_or_else(|| ("/".into(), "80".into()));
    format!("http://{ip}:{port}{path}")
}

fn target_host(url: &str) -> &str {
    let rest = url.trim_start_matches("http://");
    rest.split('/').next().unwrap_or(rest)
}

/// A stable fake digest for an image reference.
fn image_digest(image: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = String::new();
    for round in 0..4u8 {
        for b in image.bytes().chain([round]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out
}

/// The pod's QoS class from its containers' requests and limits.
pub(crate) fn qos_class(pod: &Pod) -> &'static str {
    let containers = pod
        .spec
        .as_ref()
        .map(|s| s.containers.as_slice())
        .unwrap_or_default();
    let mut any = false;
    let mut guaranteed = true;
    for c in containers {
        let r = c.resources.as_ref();
        let req = r.and_then(|r| r.requests.as_ref());
        let lim = r.and_then(|r| r.limits.as_ref());
        if req.is_some_and(|m| !m.is_empty()) || lim.is_some_and(|m| !m.is_empty()) {
            any = true;
        }
        for res in ["cpu", "memory"] {
            let l = lim.and_then(|m| m.get(res));
            let q = req.and_then(|m| m.get(res)).or(l);
            if l.is_none() || q != l {
                guaranteed = false;
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}
