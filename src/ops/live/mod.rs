//! The live backend: a real cluster through the real `kubectl` binary, Prometheus over HTTP.
//!
//! # What runs
//! A command line is split as a shell would split it (no shell ever runs) and dispatched on
//! its program:
//! - `kubectl`: the binary (on `PATH` or configured) with the configured kubeconfig and
//!   context put first on its command line, so a line can never talk to another cluster;
//! - `curl`: the binary, with `--proto =http,https` and one `--connect-to` per in-cluster
//!   Prometheus address (its names, cluster IP and NodePorts), so `http://prometheus.monitoring:9090/...` (the address the running
//!   state shows) reaches the configured Prometheus URL while the line and curl's messages
//!   stay exactly as typed;
//! - `sleep`: read as the simulator reads it, and waited on the backend's clock.
//!
//! Every process runs with a deadline and a cap on its output. A PromQL query goes to
//! `/api/v1/query` of the Prometheus URL.
//!
//! # Errors: the world's or the harness's
//! What kubectl, the API server, curl or Prometheus answer, errors included, is an
//! [`OpsOutput`] and reaches the agent as environment feedback; so does a command stopped at
//! its deadline. A fault of the harness itself stops the trial with an [`OpsError`]: a binary
//! that cannot be started, an unreadable kubeconfig or unknown context (found by
//! [`LiveOps::connect`]), a Prometheus that cannot be reached for a query, a simulator clock
//! that does not answer.
//!
//! # The clock
//! The in-process simulator lets [`COMMAND_LATENCY`] of virtual time pass before every kubectl
//! or curl line and runs `sleep` in virtual time. With [`LiveClock::Simulator`] this backend
//! does the same to a served simulator (`odyssey sim serve`) through its `/sim/v1/advance`
//! endpoint, whose requests are the only thing that moves that world's clock; the two
//! backends then see the same world at the same instants and print the same bytes. With
//! [`LiveClock::Wall`] (a real cluster) time passes by itself and `sleep` waits for real, up to
//! [`LiveConfig::max_sleep_secs`].
//!
//! # Known gaps
//! - The agent reads state through kubectl only (the running state's own commands); kube-rs
//!   reads it for the harness ([`LiveOps::snapshot`], the oracles' `Snapshot`).
//! - Evaluation needs each task's starting state: on a served simulator, [`LiveOps::save`]
//!   keeps the learning world, [`LiveOps::reset`] sets each task up, [`LiveOps::restore`]
//!   brings the learning world back (`crate::evaluation`). A real cluster keeps no copy: with
//!   [`LiveConfig::reset_cluster`] the harness resets it to the scenario's manifests and sets
//!   each task up with kubectl and Chaos Mesh ([`LiveOps::harness_step`],
//!   `crate::eval_tasks::cluster`), and learning goes on from the manifests' state.
//! - curl reaches Prometheus by the in-cluster DNS names in [`LiveConfig::prometheus_hosts`],
//!   the service's cluster IP and its NodePort on every node address (read once, when the
//!   backend connects); other in-cluster addresses (pod IPs, other services) fail to connect,
//!   as they do from outside a cluster.
//!
//! # Dry run
//! With [`LiveConfig::dry_run`], a state-changing kubectl line ([`crate::policy::changes_state`])
//! is not run: the backend answers with the line it would have run, status 0.

mod http;
mod process;
mod snapshot;

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Operations, OpsError, OpsOutput, OpsRequest};
use crate::policy;
use crate::simulator::Millis;
use crate::simulator::kubectl::run::COMMAND_LATENCY;
use crate::simulator::kubectl::shell;
use crate::simulator::session::sleep_duration;
pub use http::HttpError;
pub use process::SpawnError;
pub use snapshot::KubeError;

/// How time passes for a live backend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LiveClock {
    /// A real cluster: time passes by itself; `sleep` waits for real.
    #[default]
    Wall,
    /// A served simulator: the backend moves its virtual clock as the in-process backend
    /// moves its own, through `POST /sim/v1/advance` on the Kubernetes address.
    Simulator,
}

/// The live backend's settings: the `[live]` table of a trial configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LiveConfig {
    /// The kubeconfig file; required.
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context; its current context when absent.
    pub context: Option<String>,
    /// The Prometheus base URL as this machine reaches it (a port-forward), e.g.
    /// `http://127.0.0.1:9090`; required.
    pub prometheus_url: Option<String>,
    /// The kubectl binary: a path, or a name looked up on `PATH`.
    pub kubectl: PathBuf,
    /// The curl binary: a path, or a name looked up on `PATH`.
    pub curl: PathBuf,
    /// kubectl's cache directory (`--cache-dir`); kubectl's own default when absent.
    pub cache_dir: Option<PathBuf>,
    /// Seconds a command may run before it is stopped.
    pub timeout_secs: u64,
    /// Bytes kept of each of a command's stdout and stderr.
    pub output_cap: usize,
    /// The namespaces commands may name on this cluster, unless the policy has its own scope.
    pub namespaces: Vec<String>,
    /// Print state-changing kubectl lines instead of running them.
    pub dry_run: bool,
    /// How time passes.
    pub clock: LiveClock,
    /// The `host:port` names by which lines address Prometheus inside the cluster; curl is
    /// told to connect them to [`LiveConfig::prometheus_url`].
    pub prometheus_hosts: Vec<String>,
    /// The longest one `sleep` line waits on the wall clock, in seconds.
    pub max_sleep_secs: u64,
    /// Allow evaluation on a real cluster (wall clock): before every evaluation task the
    /// namespace is reset to the scenario's manifests (autoscalers deleted) and the task's
    /// faults are injected with Chaos Mesh; see `crate::eval_tasks::cluster`.
    pub reset_cluster: bool,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            kubeconfig: None,
            context: None,
            prometheus_url: None,
            kubectl: PathBuf::from("kubectl"),
            curl: PathBuf::from("curl"),
            cache_dir: None,
            timeout_secs: 30,
            output_cap: 1024 * 1024,
            namespaces: vec!["sock-shop".to_owned()],
            dry_run: false,
            clock: LiveClock::Wall,
            prometheus_hosts: [
                "prometheus.monitoring:9090",
                "prometheus.monitoring.svc:9090",
                "prometheus.monitoring.svc.cluster.local:9090",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            max_sleep_secs: 300,
            reset_cluster: false,
        }
    }
}

/// Why a live backend could not be set up or could not go on: faults of the harness, never of
/// the world.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// A required setting is missing or malformed.
    #[error("live backend: {0}")]
    Config(String),
    /// The kubeconfig cannot be read.
    #[error("live backend: cannot read kubeconfig {path}")]
    Kubeconfig {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A binary cannot be started.
    #[error("live backend")]
    Spawn(#[from] SpawnError),
    /// kubectl cannot use the kubeconfig or context.
    #[error("live backend: kubectl cannot use kubeconfig {path} (context {context}): {message}")]
    Cluster {
        /// The kubeconfig.
        path: PathBuf,
        /// The context asked for, or `current`.
        context: String,
        /// What kubectl said.
        message: String,
    },
    /// Prometheus cannot be reached.
    #[error("live backend: Prometheus at {url} cannot be reached")]
    Prometheus {
        /// The base URL.
        url: String,
        /// The cause.
        #[source]
        source: HttpError,
    },
    /// The backend's own HTTP runtime cannot be started.
    #[error("live backend: {0}")]
    Runtime(String),
    /// The API server's state cannot be read through kube-rs.
    #[error("live backend: cannot read the cluster's state")]
    Kube(#[from] KubeError),
    /// The served simulator refused a task's setup (`422`): what failed, as the server said.
    #[error("live backend: the served simulator refused the setup (status 422): {message}")]
    Setup {
        /// The server's `Status` body.
        message: String,
    },
    /// A served simulator's harness endpoint (clock, reset, save, restore) did not answer as
    /// it should.
    #[error("live backend: the served simulator could not {action} ({url})")]
    Clock {
        /// What was asked: "move its clock", "reset its world", ...
        action: &'static str,
        /// The advance endpoint.
        url: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A real cluster (or a served simulator) as an operations backend.
pub struct LiveOps {
    config: LiveConfig,
    kubeconfig: PathBuf,
    prometheus: String,
    /// The API server's URL, as the kubeconfig names it.
    server: String,
    /// The runtime and client for Prometheus and the simulator clock.
    http: http::Runtime,
    /// The kube-rs client for state snapshots, on [`LiveOps::http`]'s runtime.
    kube: kube::Client,
    /// Every `host:port` curl connects to Prometheus: the configured in-cluster names, the
    /// service's cluster IP and its NodePort on every node.
    prometheus_hosts: Vec<String>,
}

impl std::fmt::Debug for LiveOps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // kube's client has no `Debug`.
        f.debug_struct("LiveOps")
            .field("config", &self.config)
            .field("kubeconfig", &self.kubeconfig)
            .field("prometheus", &self.prometheus)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl LiveOps {
    /// Checks the settings and the cluster: the kubeconfig is read, kubectl is asked for the
    /// context's server (which proves the binary, the file and the context), and Prometheus is
    /// asked a trivial query.
    ///
    /// # Errors
    /// [`LiveError`] naming what is missing or unreachable.
    pub fn connect(config: &LiveConfig) -> Result<LiveOps, LiveError> {
        let kubeconfig = config.kubeconfig.clone().ok_or_else(|| {
            LiveError::Config("a kubeconfig is required (--kubeconfig FILE)".to_owned())
        })?;
        std::fs::read(&kubeconfig).map_err(|source| LiveError::Kubeconfig {
            path: kubeconfig.clone(),
            source,
        })?;
        let prometheus = config
            .prometheus_url
            .clone()
            .ok_or_else(|| {
                LiveError::Config("a Prometheus URL is required (--prometheus-url URL)".to_owned())
            })?
            .trim_end_matches('/')
            .to_owned();
        http::HttpUrl::parse(&prometheus)
            .map_err(|e| LiveError::Config(format!("--prometheus-url: {e}")))?;
        if config.timeout_secs == 0 {
            return Err(LiveError::Config(
                "timeout_secs must be at least 1".to_owned(),
            ));
        }
        for host in &config.prometheus_hosts {
            if !host.rsplit_once(':').is_some_and(|(h, p)| {
                !h.is_empty() && p.parse::<u16>().is_ok() && !h.contains(['/', ' '])
            }) {
                return Err(LiveError::Config(format!(
                    "prometheus_hosts entry {host:?} is not host:port"
                )));
            }
        }

        // kubectl is asked first: its message names a bad file or context best.
        let words: Vec<String> = ["config", "view", "--minify", "-o"]
            .iter()
            .map(|s| (*s).to_owned())
            .chain(["jsonpath={.clusters[0].cluster.server}".to_owned()])
            .collect();
        let out = run_kubectl(config, &kubeconfig, &words)?;
        if out.status != 0 || out.stdout.trim().is_empty() {
            return Err(LiveError::Cluster {
                path: kubeconfig.clone(),
                context: config
                    .context
                    .clone()
                    .unwrap_or_else(|| "current".to_owned()),
                message: out.stderr.trim().to_owned(),
            });
        }
        let http = http::Runtime::new().map_err(LiveError::Runtime)?;
        let kube = {
            let (path, context) = (kubeconfig.clone(), config.context.clone());
            http.run(async move { snapshot::client(&path, context.as_deref()).await })
                .ok_or_else(|| {
                    LiveError::Runtime("the kube-rs client was not built".to_owned())
                })??
        };
        let mut prometheus_hosts = config.prometheus_hosts.clone();
        prometheus_hosts.extend({
            let (client, hosts) = (kube.clone(), config.prometheus_hosts.clone());
            http.run(async move { snapshot::prometheus_addresses(&client, &hosts).await })
                .unwrap_or_default()
        });
        let mut ops = LiveOps {
            config: config.clone(),
            kubeconfig,
            prometheus,
            server: String::new(),
            http,
            kube,
            prometheus_hosts,
        };
        ops.server = out.stdout.trim().trim_end_matches('/').to_owned();
        ops.query("vector(1)")?;
        tracing::info!(server = %ops.server, prometheus = %ops.prometheus, dry_run = config.dry_run, "live backend connected");
        Ok(ops)
    }

    fn bounds(&self) -> process::Bounds {
        bounds(&self.config)
    }

    /// Runs kubectl with the backend's kubeconfig and context before `args`.
    fn kubectl(&self, args: &[String]) -> Result<OpsOutput, LiveError> {
        run_kubectl(&self.config, &self.kubeconfig, args)
    }

    /// Runs curl with the Prometheus names connected to the Prometheus URL.
    fn curl(&self, args: &[String]) -> Result<OpsOutput, LiveError> {
        let target = http::HttpUrl::parse(&self.prometheus)
            .map_err(|e| LiveError::Config(e.to_string()))?
            .authority;
        let mut words = vec!["--proto".to_owned(), "=http,https".to_owned()];
        for host in &self.prometheus_hosts {
            words.push("--connect-to".to_owned());
            words.push(format!("{host}:{target}"));
        }
        words.extend_from_slice(args);
        let out = process::run(&self.config.curl, &words, &[], self.bounds())?;
        Ok(OpsOutput {
            stdout: out.stdout,
            stderr: out.stderr,
            status: out.status,
        })
    }

    /// One instant PromQL query: the API's JSON body, status 0 for HTTP 200 and 22 otherwise
    /// (as `curl -f` would report it).
    fn query(&self, query: &str) -> Result<OpsOutput, LiveError> {
        let url = format!(
            "{}/api/v1/query?query={}",
            self.prometheus,
            http::encode_component(query)
        );
        let answer = self
            .http
            .request(
                "GET",
                &url,
                "",
                Duration::from_secs(self.config.timeout_secs),
                self.config.output_cap,
            )
            .map_err(|source| LiveError::Prometheus {
                url: self.prometheus.clone(),
                source,
            })?;
        Ok(OpsOutput {
            stdout: answer.body,
            stderr: String::new(),
            status: if answer.status == 200 { 0 } else { 22 },
        })
    }

    /// Lets `d` pass: on a served simulator's virtual clock, or on the wall clock (capped).
    fn pass(&self, d: Millis) -> Result<(), LiveError> {
        match self.config.clock {
            LiveClock::Wall => {
                let cap = Duration::from_secs(self.config.max_sleep_secs);
                let wanted = Duration::from_millis(u64::try_from(d.0).unwrap_or(0));
                std::thread::sleep(wanted.min(cap));
                Ok(())
            }
            LiveClock::Simulator => self.advance(d).map(drop),
        }
    }

    /// The oracles' state of the cluster now, read with kube-rs: every deployment, pod and
    /// autoscaler, and no ground truth for metrics. `now` is the served simulator's virtual
    /// now (a zero advance, which changes nothing) or the wall clock.
    ///
    /// # Errors
    /// [`LiveError`] when the API server or the simulator clock does not answer.
    pub fn snapshot(&self) -> Result<crate::eval_tasks::Snapshot, LiveError> {
        let now = match self.config.clock {
            LiveClock::Wall => k8s_openapi::jiff::Timestamp::now(),
            LiveClock::Simulator => self.sim_now()?,
        };
        let client = self.kube.clone();
        self.http
            .run(async move { snapshot::take(&client, now).await })
            .ok_or_else(|| LiveError::Runtime("the snapshot was not taken".to_owned()))?
            .map_err(LiveError::from)
    }

    /// The metrics of `service` (its pods' main container `container`) in `namespace`, as
    /// Prometheus measures them now: the dashboards' P99 latency and the CPU rate (the same
    /// PromQL the simulator's oracles evaluate on their own store, see
    /// [`crate::simulator::metrics::p99_query`]). A query that Prometheus answers with no
    /// finite value (no traffic, no series, an error) leaves that metric unmeasured.
    ///
    /// # Errors
    /// [`LiveError::Prometheus`] when Prometheus cannot be reached.
    pub fn measure(
        &self,
        namespace: &str,
        service: &str,
        container: &str,
    ) -> Result<crate::eval_tasks::Truth, LiveError> {
        use crate::simulator::metrics::{cpu_query, p99_query};
        let value = |query: &str| -> Result<Option<f64>, LiveError> {
            let out = self.query(query)?;
            Ok((out.status == 0).then(|| scalar_of(&out.stdout)).flatten())
        };
        Ok(crate::eval_tasks::Truth {
            p99_seconds: value(&p99_query(namespace, service))?,
            cpu_cores: value(&cpu_query(namespace, service, container))?,
            source: crate::eval_tasks::Source::Prometheus,
        })
    }

    /// Puts a served simulator (`clock = "simulator"`) back in the world it began serving,
    /// then applies `setup` there (`POST /sim/v1/reset`): the served counterpart of
    /// [`crate::eval_tasks::apply`] on a fresh copy of the world. A real cluster cannot be
    /// reset, and says so.
    ///
    /// # Errors
    /// [`LiveError::Config`] on a wall clock, [`LiveError::Setup`] when the server refuses
    /// the setup (the world is then reset and part-way set up), [`LiveError::Clock`] when it
    /// does not answer.
    pub fn reset(&self, setup: &crate::simulator::setup::Setup) -> Result<(), LiveError> {
        let body = serde_json::to_string(setup).map_err(|e| LiveError::Clock {
            action: "reset its world",
            url: format!("{}/sim/v1/reset", self.server),
            source: Box::new(e),
        })?;
        self.sim_post(WorldCall::Reset, &body).map(drop)
    }

    /// Keeps a copy of the served simulator's world, clock included (`POST /sim/v1/save`),
    /// replacing the copy kept before.
    ///
    /// # Errors
    /// [`LiveError::Config`] on a wall clock, [`LiveError::Clock`] when the server does not
    /// answer.
    pub fn save(&self) -> Result<(), LiveError> {
        self.sim_post(WorldCall::Save, "").map(drop)
    }

    /// Makes the served simulator's world the copy [`LiveOps::save`] kept
    /// (`POST /sim/v1/restore`).
    ///
    /// # Errors
    /// [`LiveError::Config`] on a wall clock, [`LiveError::Clock`] when the server does not
    /// answer or has nothing saved.
    pub fn restore(&self) -> Result<(), LiveError> {
        self.sim_post(WorldCall::Restore, "").map(drop)
    }

    /// `POST /sim/v1/{reset,save,restore}` with `body` on a served simulator; the answer's
    /// body.
    fn sim_post(&self, call: WorldCall, body: &str) -> Result<String, LiveError> {
        let (endpoint, action) = match call {
            WorldCall::Reset => ("reset", "reset its world"),
            WorldCall::Save => ("save", "save its world"),
            WorldCall::Restore => ("restore", "restore its world"),
        };
        if self.config.clock != LiveClock::Simulator {
            return Err(LiveError::Config(format!(
                "only a served simulator (clock = \"simulator\") can {action}; a real cluster cannot be put into a task's starting state"
            )));
        }
        let url = format!("{}/sim/v1/{endpoint}", self.server);
        let timeout = Duration::from_secs(self.config.timeout_secs.max(60));
        let answer = self
            .http
            .request("POST", &url, body, timeout, 64 * 1024)
            .map_err(|e| LiveError::Clock {
                action,
                url: url.clone(),
                source: Box::new(e),
            })?;
        match answer.status {
            200 => Ok(answer.body),
            // The Status's message, as the in-process setup reports the failure.
            422 => Err(LiveError::Setup {
                message: serde_json::from_str::<serde_json::Value>(&answer.body)
                    .ok()
                    .and_then(|v| Some(v.get("message")?.as_str()?.to_owned()))
                    .unwrap_or_else(|| answer.body.trim().to_owned()),
            }),
            status => Err(LiveError::Clock {
                action,
                url,
                source: format!("status {status}: {}", answer.body.trim()).into(),
            }),
        }
    }

    /// Runs one of the harness's own steps on the cluster (see
    /// [`crate::eval_tasks::cluster`]), outside the agents' policy: kubectl with a deadline
    /// of at least eleven minutes (the steps wait on rollouts), a manifest written to
    /// `dir` and applied, or a wait on the clock.
    ///
    /// # Errors
    /// [`LiveError`] when kubectl cannot be started, the manifest cannot be written or the
    /// clock does not move; what kubectl answers, failures included, is the output.
    pub fn harness_step(
        &self,
        step: &crate::eval_tasks::cluster::Step,
        dir: &std::path::Path,
    ) -> Result<OpsOutput, LiveError> {
        use crate::eval_tasks::cluster::Step;
        let config = LiveConfig {
            timeout_secs: self.config.timeout_secs.max(660),
            ..self.config.clone()
        };
        match step {
            Step::Kubectl(args) => run_kubectl(&config, &self.kubeconfig, args),
            Step::Apply { name, yaml } => {
                let path = dir.join(name);
                std::fs::write(&path, yaml).map_err(|e| {
                    LiveError::Config(format!("cannot write {}: {e}", path.display()))
                })?;
                let args = [
                    "apply".to_owned(),
                    "-f".to_owned(),
                    path.display().to_string(),
                ];
                run_kubectl(&config, &self.kubeconfig, &args)
            }
            Step::Wait(d) => self.pass(*d).map(|()| OpsOutput::default()),
        }
    }

    /// Lets `d` pass, as [`Operations::execute`] does for `sleep`: on a served simulator's
    /// virtual clock, or on the wall clock up to [`LiveConfig::max_sleep_secs`].
    ///
    /// # Errors
    /// [`LiveError::Clock`] when the simulator's clock does not move.
    pub fn let_pass(&self, d: Millis) -> Result<(), LiveError> {
        self.pass(d)
    }

    /// Lets time pass a second at a time, at most `limit`, until `done` holds for the
    /// cluster's snapshot; whether it held. The served counterpart of
    /// [`crate::simulator::World::advance_until`], step for step.
    ///
    /// # Errors
    /// [`LiveError`] when a snapshot cannot be taken or the clock does not move.
    pub fn settle_until(
        &self,
        limit: Millis,
        mut done: impl FnMut(&crate::eval_tasks::Snapshot) -> bool,
    ) -> Result<bool, LiveError> {
        let mut left = limit;
        loop {
            if done(&self.snapshot()?) {
                return Ok(true);
            }
            if left.0 <= 0 {
                return Ok(false);
            }
            let step = Millis(1000.min(left.0));
            self.pass(step)?;
            left = Millis(left.0 - step.0);
        }
    }

    /// The served simulator's virtual now, from a zero advance.
    fn sim_now(&self) -> Result<k8s_openapi::jiff::Timestamp, LiveError> {
        let body = self.advance(Millis(0))?;
        let url = format!("{}/sim/v1/advance?milliseconds=0", self.server);
        serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("now")?.as_str()?.parse().ok())
            .ok_or_else(|| LiveError::Clock {
                action: "move its clock",
                url,
                source: format!("the answer names no instant: {}", body.trim()).into(),
            })
    }

    /// `POST /sim/v1/advance` by `d`; the answer's body.
    fn advance(&self, d: Millis) -> Result<String, LiveError> {
        let url = format!("{}/sim/v1/advance?milliseconds={}", self.server, d.0);
        let clock = |source: Box<dyn std::error::Error + Send + Sync>| LiveError::Clock {
            action: "move its clock",
            url: url.clone(),
            source,
        };
        let answer = self
            .http
            .request("POST", &url, "", Duration::from_secs(10), 4096)
            .map_err(|e| clock(Box::new(e)))?;
        if answer.status != 200 {
            return Err(clock(
                format!("status {}: {}", answer.status, answer.body.trim()).into(),
            ));
        }
        Ok(answer.body)
    }

    /// The latency every command takes in the simulator; real clusters take their own.
    fn before_command(&self) -> Result<(), LiveError> {
        match self.config.clock {
            LiveClock::Wall => Ok(()),
            LiveClock::Simulator => self.pass(COMMAND_LATENCY),
        }
    }

    fn run_line(&self, line: &str) -> Result<OpsOutput, LiveError> {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return Ok(OpsOutput::default());
        }
        let words = match shell::split(trimmed) {
            Ok(words) => words,
            Err(e) => {
                return Ok(OpsOutput {
                    stdout: String::new(),
                    stderr: format!("{e}\n"),
                    status: 2,
                });
            }
        };
        let Some((program, args)) = words.split_first() else {
            return Ok(OpsOutput::default());
        };
        match program.as_str() {
            "kubectl" => {
                if let Some(flag) = policy::cluster_override(args) {
                    // The policy refuses these before a line gets here; this backend never
                    // lets a line choose its cluster, whoever sends it.
                    return Ok(OpsOutput {
                        stdout: String::new(),
                        stderr: format!(
                            "error: {flag} is set by the live backend and may not be given on the command line\n"
                        ),
                        status: 1,
                    });
                }
                if self.config.dry_run && policy::changes_state(&words) {
                    tracing::info!(line = trimmed, "dry run: state-changing command not run");
                    return Ok(OpsOutput {
                        stdout: format!("dry run, not run: {trimmed}\n"),
                        stderr: String::new(),
                        status: 0,
                    });
                }
                self.before_command()?;
                self.kubectl(args)
            }
            "curl" => {
                self.before_command()?;
                self.curl(args)
            }
            "sleep" => match sleep_duration(args) {
                Ok(d) => {
                    self.pass(d)?;
                    Ok(OpsOutput::default())
                }
                Err(out) => Ok(OpsOutput {
                    stdout: out.stdout,
                    stderr: out.stderr,
                    status: out.status,
                }),
            },
            other => Ok(OpsOutput {
                stdout: String::new(),
                stderr: format!("bash: {other}: command not found\n"),
                status: 127,
            }),
        }
    }
}

/// The one finite value of an instant query's vector answer (`data.result[0].value[1]`), if
/// the answer has exactly one sample.
fn scalar_of(body: &str) -> Option<f64> {
    let answer: serde_json::Value = serde_json::from_str(body).ok()?;
    let result = answer.pointer("/data/result")?.as_array()?;
    let [sample] = result.as_slice() else {
        return None;
    };
    let value: f64 = sample.pointer("/value/1")?.as_str()?.parse().ok()?;
    value.is_finite().then_some(value)
}

/// What a harness asks of a served simulator's world.
#[derive(Debug, Clone, Copy)]
enum WorldCall {
    Reset,
    Save,
    Restore,
}

fn bounds(config: &LiveConfig) -> process::Bounds {
    process::Bounds {
        timeout: Duration::from_secs(config.timeout_secs),
        cap: config.output_cap,
    }
}

/// Runs kubectl with `kubeconfig` and the configured context before `args`.
fn run_kubectl(
    config: &LiveConfig,
    kubeconfig: &std::path::Path,
    args: &[String],
) -> Result<OpsOutput, LiveError> {
    let mut words = vec![format!("--kubeconfig={}", kubeconfig.display())];
    if let Some(context) = &config.context {
        words.push(format!("--context={context}"));
    }
    if let Some(dir) = &config.cache_dir {
        words.push(format!("--cache-dir={}", dir.display()));
    }
    words.extend_from_slice(args);
    let out = process::run(&config.kubectl, &words, &["KUBECONFIG"], bounds(config))?;
    Ok(OpsOutput {
        stdout: out.stdout,
        stderr: out.stderr,
        status: out.status,
    })
}

impl Operations for LiveOps {
    fn execute(&mut self, request: &OpsRequest) -> Result<OpsOutput, OpsError> {
        let _span = tracing::debug_span!("live", server = %self.server).entered();
        let result = match request {
            OpsRequest::Command(line) => self.run_line(line),
            OpsRequest::Query(query) => self.query(query),
        };
        result.map_err(|e| OpsError::Live(Box::new(e)))
    }

    fn describe(&self) -> String {
        format!(
            "live:{}:{}{}",
            self.config.context.as_deref().unwrap_or("current-context"),
            self.server,
            if self.config.dry_run { ":dry-run" } else { "" }
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;

    #[test]
    fn a_missing_kubeconfig_or_prometheus_url_is_named() {
        let err = LiveOps::connect(&LiveConfig::default()).unwrap_err();
        assert!(err.to_string().contains("--kubeconfig"), "{err}");

        let config = LiveConfig {
            kubeconfig: Some("/nonexistent/kubeconfig".into()),
            prometheus_url: Some("http://127.0.0.1:9090".into()),
            ..LiveConfig::default()
        };
        let err = LiveOps::connect(&config).unwrap_err();
        assert!(matches!(err, LiveError::Kubeconfig { .. }), "{err}");

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kubeconfig");
        std::fs::write(&file, "apiVersion: v1\nkind: Config\n").unwrap();
        let config = LiveConfig {
            kubeconfig: Some(file),
            ..LiveConfig::default()
        };
        let err = LiveOps::connect(&config).unwrap_err();
        assert!(err.to_string().contains("--prometheus-url"), "{err}");
    }

    #[test]
    fn an_instant_vector_of_one_finite_sample_is_a_measurement() {
        let one = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"0.0473"]}]}}"#;
        assert_eq!(scalar_of(one), Some(0.0473));
        for none in [
            r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}"#,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}}"#,
            r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
            "not json",
        ] {
            assert_eq!(scalar_of(none), None, "{none}");
        }
    }

    #[test]
    fn a_missing_kubectl_binary_stops_the_setup() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kubeconfig");
        std::fs::write(&file, "apiVersion: v1\nkind: Config\n").unwrap();
        let config = LiveConfig {
            kubeconfig: Some(file),
            prometheus_url: Some("http://127.0.0.1:9".into()),
            kubectl: "/nonexistent/kubectl".into(),
            ..LiveConfig::default()
        };
        let err = LiveOps::connect(&config).unwrap_err();
        assert!(matches!(err, LiveError::Spawn(_)), "{err}");
        let chain = format!("{:#}", anyhow::Error::from(err));
        assert!(chain.contains("/nonexistent/kubectl"), "{chain}");
    }
}
