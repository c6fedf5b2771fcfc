//! The live backend against `odyssey sim serve`: the real kubectl and curl binaries and
//! Prometheus over HTTP, talking to a served simulated world, must give what the in-process
//! backend gives on the same world, and the policy must stop hostile lines before kubectl.
//!
//! The served world's clock moves only when the harness says so (see
//! `odyssey_simulator::server`); the live backend with `clock = "simulator"` says so exactly
//! where the in-process backend lets time pass, so both see the same instants. A machine
//! without kubectl or curl fails these tests with a message saying what to install
//! (`.ci/install-kubectl.sh` installs kubectl).

#![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use odyssey::TrialConfig;
use odyssey::config::Env;
use odyssey::eval_tasks::{JudgedBy, Snapshot};
use odyssey::ops::{
    LiveClock, LiveConfig, LiveOps, Operations, OpsError, OpsOutput, OpsRequest, SimulatorOps,
};
use odyssey::policy::Phase;
use odyssey::run::{Ran, Run, Tokens};
use odyssey::running_state::RunningState;
use odyssey::simulator::setup::Setup;
use odyssey::simulator::{Scenario, World};
use odyssey::trace::{Stage, Trace};
use odyssey::trial::{TrialError, run_trial};

/// The seed of every served and in-process world here.
const SEED: u64 = 1;

/// The real kubectl, if the machine has one (v1.32, the release the simulator reproduces,
/// when it is there).
fn real_kubectl() -> Option<PathBuf> {
    [
        "/usr/lib/google-cloud-sdk/bin/kubectl.1.32",
        "/usr/bin/kubectl",
        "/usr/local/bin/kubectl",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

fn real_curl() -> Option<PathBuf> {
    ["/usr/bin/curl", "/usr/local/bin/curl"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// `odyssey sim serve` as a child process, stopped when dropped.
struct Served {
    child: Child,
    kubeconfig: PathBuf,
    prometheus: String,
    dir: tempfile::TempDir,
}

impl Served {
    fn start() -> Served {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        let mut child = Command::new(env!("CARGO_BIN_EXE_odyssey"))
            .args([
                "sim",
                "serve",
                "--seed",
                &SEED.to_string(),
                "--kubeconfig-out",
            ])
            .arg(&kubeconfig)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut prometheus = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(url) = line.strip_prefix("prometheus: ") {
                prometheus = Some(url.to_owned());
                break;
            }
        }
        Served {
            child,
            kubeconfig,
            prometheus: prometheus.expect("sim serve prints its Prometheus address"),
            dir,
        }
    }

    /// Live settings for this server: the real binaries, the simulator clock.
    fn live(&self, kubectl: &Path, curl: &Path) -> LiveConfig {
        LiveConfig {
            kubeconfig: Some(self.kubeconfig.clone()),
            prometheus_url: Some(self.prometheus.clone()),
            kubectl: kubectl.to_owned(),
            curl: curl.to_owned(),
            cache_dir: Some(self.dir.path().join("cache")),
            clock: LiveClock::Simulator,
            ..LiveConfig::default()
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real kubectl and curl; a test without them proves nothing, so it fails.
fn binaries() -> (PathBuf, PathBuf) {
    let kubectl = real_kubectl().expect(
        "the live backend tests need the real kubectl (1.32) at /usr/bin/kubectl or /usr/local/bin/kubectl: run .ci/install-kubectl.sh",
    );
    let curl = real_curl()
        .expect("the live backend tests need curl at /usr/bin/curl: install Debian's curl package");
    (kubectl, curl)
}

fn world() -> World {
    World::new(Arc::new(Scenario::embedded_sock_shop()), SEED).unwrap()
}

/// Observation and action lines, and queries, in one world: every answer must agree.
fn script() -> Vec<OpsRequest> {
    let command = |l: &str| OpsRequest::Command(l.to_owned());
    let query = |q: &str| OpsRequest::Query(q.to_owned());
    // Prometheus by its cluster IP and by a node's NodePort, as the world assigned them.
    let world = world();
    let svc = world
        .state()
        .services
        .get(&odyssey::simulator::world::ObjectKey::new(
            "monitoring",
            "prometheus",
        ))
        .and_then(|s| s.spec.clone())
        .unwrap();
    let cluster_ip = svc.cluster_ip.unwrap();
    let node_port = svc.ports.unwrap()[0].node_port.unwrap();
    let node_ip = world
        .state()
        .nodes
        .values()
        .next()
        .and_then(|n| n.status.clone()?.addresses?.first().cloned())
        .unwrap()
        .address;
    vec![
        command(&format!(
            "curl -sG http://{cluster_ip}:9090/api/v1/query --data-urlencode 'query=up{{job=\"sock-shop/carts\"}}'"
        )),
        command(&format!(
            "curl -s 'http://{node_ip}:{node_port}/api/v1/query?query=count(up)'"
        )),
        command("kubectl get namespaces"),
        command("kubectl get services --all-namespaces"),
        command("kubectl get pods -n sock-shop -l name=catalogue"),
        command("kubectl get deploy catalogue -n sock-shop -o jsonpath={.spec.replicas}"),
        command("kubectl get deploy nosuch -n sock-shop"),
        command("kubectl get pods -n default"),
        command("kubectl top pod -n sock-shop"),
        command(
            "curl -sG http://prometheus.monitoring:9090/api/v1/query --data-urlencode 'query=up{job=\"sock-shop/catalogue\"}'",
        ),
        command(
            "curl -s 'http://prometheus.monitoring:9090/api/v1/query?query=rate(request_duration_seconds_count[1m])'",
        ),
        command("curl -s http://prometheus:9090/api/v1/query?query=up"),
        query("sum(rate(request_duration_seconds_count{job=\"sock-shop/catalogue\"}[1m]))"),
        query("sum(rate("),
        command("kubectl scale deployment catalogue --replicas=3 -n sock-shop"),
        command("sleep 45s"),
        command("kubectl get deploy catalogue -n sock-shop"),
        command("kubectl get pods -n sock-shop -l name=catalogue"),
        command(
            "kubectl set image deploy/catalogue catalogue=weaveworksdemos/catalogue:0.3.4 -n sock-shop",
        ),
        command("sleep 2m"),
        command("kubectl get deploy catalogue -n sock-shop -o wide"),
        command("kubectl rollout history deploy/catalogue -n sock-shop"),
        query("count(up{namespace=\"sock-shop\"})"),
        command("sleep"),
        command("helm list"),
        command("kubectl get pods -n sock-shop 'unterminated"),
    ]
}

#[test]
fn a_fixed_script_prints_the_same_through_real_kubectl_as_in_process() {
    let (kubectl, curl) = binaries();
    let served = Served::start();
    let mut live = LiveOps::connect(&served.live(&kubectl, &curl)).unwrap();
    let mut local = SimulatorOps::new(world());

    let mut differences = Vec::new();
    let requests = script();
    for request in &requests {
        let want = local.execute(request).unwrap();
        let got = live.execute(request).unwrap();
        if want != got {
            differences.push(format!(
                "{request:?}\n--- in-process:\n{}\n--- live:\n{}",
                want.combined(),
                got.combined()
            ));
        }
    }
    println!(
        "script requests agreeing byte for byte: {} of {}",
        requests.len() - differences.len(),
        requests.len()
    );
    assert!(
        differences.is_empty(),
        "seed {SEED}: {} requests differ:\n{}",
        differences.len(),
        differences.join("\n\n")
    );
}

/// Deployments, pods and autoscalers read with kube-rs from the served world, after changes
/// and time, equal the in-process world's own objects; only the ground truth differs.
#[test]
fn the_kube_rs_snapshot_of_the_served_world_equals_the_in_process_snapshot() {
    let (kubectl, curl) = binaries();
    let served = Served::start();
    let mut live = LiveOps::connect(&served.live(&kubectl, &curl)).unwrap();
    let mut local = SimulatorOps::new(world());
    let steps = [
        "kubectl scale deployment carts --replicas=3 -n sock-shop",
        "kubectl autoscale deployment front-end --min=1 --max=4 --cpu-percent=60 -n sock-shop",
        "sleep 40s",
        "kubectl set image deploy/catalogue catalogue=weaveworksdemos/catalogue:0.3.4 -n sock-shop",
        "sleep 7s",
    ];
    for (i, line) in std::iter::once("").chain(steps).enumerate() {
        if !line.is_empty() {
            let request = OpsRequest::Command(line.to_owned());
            assert_eq!(
                local.execute(&request).unwrap(),
                live.execute(&request).unwrap(),
                "{line}"
            );
        }
        let got = live.snapshot().unwrap();
        let mut want = on_the_wire(Snapshot::of_world(local.world_mut(), "sock-shop", "carts"));
        assert!(
            want.truth.take().is_some(),
            "the simulator has ground truth"
        );
        assert_eq!(got.truth, None, "a live cluster has no ground truth");
        assert_eq!(got.now, want.now, "step {i}: {line}");
        for (kind, got_keys, want_keys) in [
            (
                "deployments",
                keys(&got.deployments),
                keys(&want.deployments),
            ),
            ("pods", keys(&got.pods), keys(&want.pods)),
            ("hpas", keys(&got.hpas), keys(&want.hpas)),
        ] {
            assert_eq!(got_keys, want_keys, "step {i} ({line}): {kind}");
        }
        let differ = first_difference(&got.deployments, &want.deployments)
            .or_else(|| first_difference(&got.pods, &want.pods))
            .or_else(|| first_difference(&got.hpas, &want.hpas));
        assert!(
            differ.is_none(),
            "step {i} ({line}): {}",
            differ.unwrap_or_default()
        );
        assert!(got == want, "step {i} ({line}): the snapshots differ");
        if i == steps.len() {
            println!(
                "kube-rs snapshot equals the in-process one: {} deployments, {} pods, {} autoscalers",
                got.deployments.len(),
                got.pods.len(),
                got.hpas.len()
            );
            assert!(!got.hpas.is_empty());
        }
    }
}

/// `POST /sim/v1/reset` with a task's setup puts the served world in the state
/// `eval_tasks::apply` gives a fresh in-process world, task after task.
#[test]
fn a_reset_with_a_task_setup_gives_the_served_world_the_tasks_starting_state() {
    let (kubectl, curl) = binaries();
    let served = Served::start();
    let live = LiveOps::connect(&served.live(&kubectl, &curl)).unwrap();
    let base = world();
    let mut compared = 0;
    for task in odyssey::eval_tasks::embedded_sock_shop() {
        let Ok(setup) = odyssey::eval_tasks::plan(&task, &base) else {
            continue;
        };
        let mut local = base.clone();
        odyssey::eval_tasks::apply(&task, &mut local).unwrap();
        live.reset(&setup).unwrap();
        let got = live.snapshot().unwrap();
        let mut want = on_the_wire(Snapshot::of_world(&local, &task.namespace, &task.component));
        want.truth = None;
        let differ = first_difference(&got.deployments, &want.deployments)
            .or_else(|| first_difference(&got.pods, &want.pods))
            .or_else(|| first_difference(&got.hpas, &want.hpas));
        assert!(
            differ.is_none(),
            "{}: {}",
            task.name,
            differ.unwrap_or_default()
        );
        assert!(got == want, "{}: the starting states differ", task.name);
        compared += 1;
    }
    println!("served starting states equal to in-process ones: {compared} tasks");
    assert!(compared > 0);
}

/// An empty setup restores the world serving began with; a setup that fails is refused with
/// what failed; a wall-clock backend is told it cannot reset.
#[test]
fn a_reset_restores_the_start_and_a_failing_setup_says_what_failed() {
    let (kubectl, curl) = binaries();
    let served = Served::start();
    let mut live = LiveOps::connect(&served.live(&kubectl, &curl)).unwrap();
    let start = live.snapshot().unwrap();
    live.execute(&OpsRequest::Command(
        "kubectl scale deployment carts --replicas=5 -n sock-shop".to_owned(),
    ))
    .unwrap();
    assert_ne!(live.snapshot().unwrap(), start);
    live.reset(&Setup::default()).unwrap();
    assert_eq!(live.snapshot().unwrap(), start);

    let bad = Setup {
        commands: vec!["kubectl delete deployment nosuch -n sock-shop".to_owned()],
        ..Setup::default()
    };
    let err = format!("{:#}", anyhow::Error::from(live.reset(&bad).unwrap_err()));
    assert!(
        err.contains("status 422") && err.contains("nosuch"),
        "{err}"
    );

    let wall = LiveOps::connect(&LiveConfig {
        clock: LiveClock::Wall,
        ..served.live(&kubectl, &curl)
    })
    .unwrap();
    let err = wall.reset(&Setup::default()).unwrap_err().to_string();
    assert!(err.contains("only a served simulator"), "{err}");
}

/// `save` keeps the served world, clock included, and `restore` brings it back however the
/// world changed in between (a reset included), as often as asked; restoring with nothing
/// saved is refused.
#[test]
fn save_and_restore_bring_back_the_served_world_and_its_clock() {
    let (kubectl, curl) = binaries();
    let served = Served::start();
    let mut live = LiveOps::connect(&served.live(&kubectl, &curl)).unwrap();
    let err = format!("{:#}", anyhow::Error::from(live.restore().unwrap_err()));
    assert!(
        err.contains("409") && err.contains("nothing to restore"),
        "{err}"
    );

    live.execute(&OpsRequest::Command(
        "kubectl scale deployment carts --replicas=3 -n sock-shop".to_owned(),
    ))
    .unwrap();
    live.let_pass(odyssey::simulator::Millis(30_000)).unwrap();
    let kept = live.snapshot().unwrap();
    live.save().unwrap();
    for _ in 0..2 {
        live.reset(&Setup::default()).unwrap();
        assert_ne!(live.snapshot().unwrap(), kept);
        live.restore().unwrap();
        assert_eq!(live.snapshot().unwrap(), kept);
    }

    let wall = LiveOps::connect(&LiveConfig {
        clock: LiveClock::Wall,
        ..served.live(&kubectl, &curl)
    })
    .unwrap();
    let err = wall.save().unwrap_err().to_string();
    assert!(err.contains("only a served simulator"), "{err}");
}

/// A trial that evaluates on the served simulator: every evaluation task is reset into its
/// starting state on the server, run through the real kubectl, and judged over the kube-rs
/// snapshot. Object oracles give the in-process verdicts; metric oracles have no true metrics
/// there and judge what Prometheus measures, marked so; learning goes on in the world it left
/// (the same learning verdicts and library as in-process).
#[test]
fn a_trial_evaluates_on_the_served_world_and_marks_how_each_task_was_judged() {
    let (kubectl, curl) = binaries();
    let served = Served::start();
    let rounds = TrialConfig {
        evaluate: true,
        rounds: 1,
        ..trial_config()
    };
    let live_config = TrialConfig {
        env: Env::Live,
        live: served.live(&kubectl, &curl),
        ..rounds.clone()
    };
    let sim_config = TrialConfig {
        policy: live_config.effective_policy(),
        ..rounds
    };
    let out = served.dir.path().join("evaluated");
    let live = odyssey::trial::run_trial_with(
        &live_config,
        live_config.build_model().unwrap().as_ref(),
        Some(&out),
        &mut odyssey::trial::Quiet,
    )
    .unwrap();
    let sim = run_trial(&sim_config, sim_config.build_model().unwrap().as_ref()).unwrap();
    if let Some((a, b)) = first_different_command(&live, &sim) {
        println!("first command whose output differs:\n--- live:\n{a}\n--- in-process:\n{b}");
    }

    let tasks = odyssey::eval_tasks::embedded_sock_shop();
    let (mut by_oracle, mut by_measured, mut by_model) = (0, 0, 0);
    assert_eq!(live.rounds.len(), sim.rounds.len());
    for (l, s) in live.rounds.iter().zip(&sim.rounds) {
        assert_eq!(l.eval.len(), tasks.len(), "round {}", l.round);
        assert_eq!(l.eval.len(), s.eval.len(), "round {}", l.round);
        for ((le, se), task) in l.eval.iter().zip(&s.eval).zip(&tasks) {
            let at = format!("round {} {}", l.round, le.task);
            assert_eq!(le.task, se.task, "{at}");
            assert_eq!(le.model, se.model, "{at}: the model's verdicts differ");
            assert_eq!(se.judged_by, JudgedBy::Oracle, "{at}");
            match le.judged_by {
                // Prometheus measured nothing: only the model can judge; the oracle says why.
                JudgedBy::Model => {
                    assert!(task.oracle.reads_metrics(), "{at}");
                    assert!(
                        le.oracle.reason.contains("no ground truth"),
                        "{at}: {}",
                        le.oracle.reason
                    );
                    assert_eq!(le.success(), le.model.success, "{at}");
                    by_model += 1;
                }
                // Metrics measured by Prometheus: the P99 is the query the simulator's
                // oracle evaluates on its own store at the same instant, so the verdicts
                // agree; CPU is a one-minute rate against the simulator's instantaneous usage.
                JudgedBy::Measured => {
                    println!(
                        "{at}: live {} / in-process {}",
                        le.oracle.reason, se.oracle.reason
                    );
                    assert!(task.oracle.reads_metrics(), "{at}");
                    assert!(
                        le.oracle.reason.contains("measured by Prometheus"),
                        "{at}: {}",
                        le.oracle.reason
                    );
                    by_measured += 1;
                }
                // Object oracles, and metric oracles that fail on what they can see (a
                // report without the value), judge as in-process.
                JudgedBy::Oracle => {
                    assert!(
                        !task.oracle.reads_metrics() || !se.oracle.success,
                        "{at}: {}",
                        le.oracle.reason
                    );
                    assert_eq!(le.oracle, se.oracle, "{at}: the oracles' verdicts differ");
                    by_oracle += 1;
                }
            }
        }
    }
    println!(
        "evaluation on the served world: {by_oracle} judged by the oracle as in-process, {by_measured} over Prometheus measurements, {by_model} by the model alone; success after round 1: live {:.3}, in-process {:.3}",
        live.rounds[1].eval_success_rate(),
        sim.rounds[1].eval_success_rate()
    );
    // Seed 1, two evaluations: 5 metric tasks per evaluation reach their metric.
    assert!(by_oracle > 0);
    assert_eq!(by_measured, 10);
    for (l, s) in live.rounds.iter().zip(&sim.rounds) {
        for (le, se) in l.eval.iter().zip(&s.eval) {
            assert_eq!(le.success(), se.success(), "round {} {}", l.round, le.task);
        }
    }
    // Prometheus had every metric these tasks need (the model-alone path: tests in
    // `eval_tasks::oracle`).
    assert_eq!(by_model, 0);
    assert_eq!(
        live.rounds
            .iter()
            .map(|r| r.eval_success_rate())
            .collect::<Vec<_>>(),
        sim.rounds
            .iter()
            .map(|r| r.eval_success_rate())
            .collect::<Vec<_>>()
    );

    // Learning went on in the world evaluation left.
    let learned = |r: &odyssey::TrialRecord| {
        r.rounds
            .iter()
            .flat_map(|round| round.learn.iter())
            .map(|t| format!("{} {}", t.id, t.success))
            .collect::<Vec<_>>()
    };
    assert_eq!(learned(&live), learned(&sim));
    assert_eq!(live.library, sim.library);

    // The records say who judged: the trace and rounds.csv.
    let trace = std::fs::read_to_string(out.join("trace.jsonl")).unwrap();
    assert_eq!(
        trace.matches(r#""judged_by":"measured""#).count(),
        by_measured,
        "trace.jsonl marks every task judged over measurements"
    );
    assert_eq!(trace.matches(r#""judged_by":"model""#).count(), by_model);
    let csv = std::fs::read_to_string(out.join("rounds.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "eval_model_judged")
        .unwrap();
    let marked: usize = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(column).unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(marked, by_model);
}

/// Evaluation on a real cluster (the wall clock) runs the harness's reset and setup steps
/// through the real kubectl before every task: the scenario's manifests applied (client-side
/// apply over HTTP), autoscalers deleted, the task's kubectl lines. The served simulator has
/// neither Chaos Mesh nor Locust, as a bare cluster: the two tasks that inject faults are
/// recorded as not set up, saying why, the others run under the world's own load, and after
/// the last evaluation the namespace is back at the manifests' state.
#[test]
fn evaluation_on_a_bare_cluster_resets_it_and_records_the_tasks_it_cannot_set_up() {
    let (kubectl, curl) = binaries();
    let served = Served::start();
    let config = TrialConfig {
        env: Env::Live,
        live: LiveConfig {
            clock: LiveClock::Wall,
            reset_cluster: true,
            // No wall-clock waits: the served world's clock does not follow the wall.
            max_sleep_secs: 0,
            ..served.live(&kubectl, &curl)
        },
        evaluate: true,
        // The evaluation before learning only: each evaluation is some 500 kubectl runs.
        rounds: 0,
        ..trial_config()
    };
    let mut live = LiveOps::connect(&config.live).unwrap();
    let start = live.snapshot().unwrap();
    for line in [
        "kubectl scale deployment carts --replicas=4 -n sock-shop",
        "kubectl autoscale deployment user --min=2 --max=5 -n sock-shop",
    ] {
        let out = live.execute(&OpsRequest::Command(line.to_owned())).unwrap();
        assert_eq!(out.status, 0, "{line}: {}", out.stderr);
    }

    let record = run_trial(&config, config.build_model().unwrap().as_ref()).unwrap();
    let tasks = odyssey::eval_tasks::embedded_sock_shop();
    let (mut judged, mut not_set_up) = (0, 0);
    for round in &record.rounds {
        assert_eq!(round.eval.len(), tasks.len());
        for (e, task) in round.eval.iter().zip(&tasks) {
            if task.chaos.is_some() {
                assert!(!e.success(), "{}", e.task);
                assert!(
                    e.oracle
                        .reason
                        .contains("Chaos Mesh, which this cluster does not have"),
                    "{}: {}",
                    e.task,
                    e.oracle.reason
                );
                not_set_up += 1;
            } else {
                assert!(
                    !e.oracle.reason.contains("setup step")
                        && !e.oracle.reason.contains("did not finish"),
                    "{}: {}",
                    e.task,
                    e.oracle.reason
                );
                judged += 1;
            }
        }
    }
    println!(
        "bare cluster: {judged} evaluations set up and judged, {not_set_up} not set up; success {:?}",
        record
            .rounds
            .iter()
            .map(|r| r.eval_success_rate())
            .collect::<Vec<_>>()
    );
    assert!(judged > 0 && not_set_up > 0);

    // The reset after the last evaluation: replicas as the manifests say, no autoscalers.
    let end = live.snapshot().unwrap();
    let replicas = |s: &Snapshot| {
        s.deployments
            .iter()
            .filter(|(k, _)| k.namespace == "sock-shop")
            .map(|(k, d)| (k.name.clone(), d.spec.as_ref().and_then(|s| s.replicas)))
            .collect::<Vec<_>>()
    };
    assert_eq!(replicas(&end), replicas(&start));
    assert!(
        end.hpas.keys().all(|k| k.namespace != "sock-shop"),
        "{:?}",
        keys(&end.hpas)
    );

    // Without the flag, and in a dry run, evaluation on a real cluster is refused.
    let refused = TrialConfig {
        live: LiveConfig {
            reset_cluster: false,
            ..config.live.clone()
        },
        ..config.clone()
    };
    let err = run_trial(&refused, refused.build_model().unwrap().as_ref()).unwrap_err();
    assert!(matches!(err, TrialError::LiveNeedsNoEvaluation), "{err}");
    assert!(err.to_string().contains("--reset-cluster"), "{err}");
    let dry = TrialConfig {
        live: LiveConfig {
            dry_run: true,
            ..config.live.clone()
        },
        ..config
    };
    let err = format!(
        "{:#}",
        anyhow::Error::from(run_trial(&dry, dry.build_model().unwrap().as_ref()).unwrap_err())
    );
    assert!(err.contains("dry run"), "{err}");
}

/// `snapshot` with its objects as the API server sends them: Kubernetes writes times in
/// whole seconds, while the in-process world keeps its milliseconds.
fn on_the_wire(mut snapshot: Snapshot) -> Snapshot {
    fn trip<V: serde::Serialize + serde::de::DeserializeOwned>(
        map: &mut std::collections::BTreeMap<odyssey::simulator::world::ObjectKey, V>,
    ) {
        for value in map.values_mut() {
            *value = serde_json::from_value(serde_json::to_value(&*value).unwrap()).unwrap();
        }
    }
    trip(&mut snapshot.deployments);
    trip(&mut snapshot.pods);
    trip(&mut snapshot.hpas);
    snapshot
}

/// The first object that differs, as both sides' JSON.
fn first_difference<V: PartialEq + serde::Serialize>(
    got: &std::collections::BTreeMap<odyssey::simulator::world::ObjectKey, V>,
    want: &std::collections::BTreeMap<odyssey::simulator::world::ObjectKey, V>,
) -> Option<String> {
    got.iter()
        .zip(want)
        .find(|(g, w)| g != w)
        .map(|((k, g), (_, w))| {
            format!(
                "{}/{}\n--- kube-rs:\n{}\n--- in-process:\n{}",
                k.namespace,
                k.name,
                serde_json::to_string(g).unwrap(),
                serde_json::to_string(w).unwrap()
            )
        })
}

fn keys<V>(
    map: &std::collections::BTreeMap<odyssey::simulator::world::ObjectKey, V>,
) -> Vec<String> {
    map.keys()
        .map(|k| format!("{}/{}", k.namespace, k.name))
        .collect()
}

/// The trial both backends run: the reference system (five rounds of three tasks), no
/// evaluation.
fn trial_config() -> TrialConfig {
    TrialConfig {
        evaluate: false,
        ..TrialConfig::with_seed(SEED)
    }
}

#[test]
fn a_seeded_trial_on_the_served_world_matches_the_in_process_trial() {
    let (kubectl, curl) = binaries();
    let served = Served::start();
    let live_config = TrialConfig {
        env: Env::Live,
        live: served.live(&kubectl, &curl),
        ..trial_config()
    };
    // The in-process run gets the policy the live run checks against.
    let sim_config = TrialConfig {
        policy: live_config.effective_policy(),
        ..trial_config()
    };

    let live = run_trial(&live_config, live_config.build_model().unwrap().as_ref()).unwrap();
    let sim = run_trial(&sim_config, sim_config.build_model().unwrap().as_ref()).unwrap();

    let verdicts = |r: &odyssey::TrialRecord| {
        r.rounds
            .iter()
            .flat_map(|round| round.learn.iter())
            .map(|t| format!("{} {} {}", t.id, t.success, t.description))
            .collect::<Vec<_>>()
    };
    let (live_verdicts, sim_verdicts) = (verdicts(&live), verdicts(&sim));
    if let Some((a, b)) = first_different_command(&live, &sim) {
        println!("first command whose output differs:\n--- live:\n{a}\n--- in-process:\n{b}");
    }
    println!(
        "learning tasks: {}, successes: {}, skills: {}",
        sim_verdicts.len(),
        sim.rounds.iter().map(|r| r.learn_successes()).sum::<u32>(),
        sim.library.len()
    );
    assert_eq!(live_verdicts, sim_verdicts, "seed {SEED}");
    assert_eq!(
        live.rounds.iter().map(|r| r.skills).collect::<Vec<_>>(),
        sim.rounds.iter().map(|r| r.skills).collect::<Vec<_>>(),
        "seed {SEED}"
    );
    assert_eq!(live.library, sim.library, "seed {SEED}");
    assert!(
        !sim.library.is_empty(),
        "the trial learned nothing to compare"
    );
}

/// The first command event whose output differs between two trials, as JSON.
fn first_different_command(
    a: &odyssey::TrialRecord,
    b: &odyssey::TrialRecord,
) -> Option<(String, String)> {
    let commands = |r: &odyssey::TrialRecord| {
        r.trace
            .entries()
            .iter()
            .filter(|e| matches!(e.event, odyssey::trace::Event::Command { .. }))
            .map(|e| serde_json::to_string(&e.event).unwrap())
            .collect::<Vec<_>>()
    };
    commands(a)
        .into_iter()
        .zip(commands(b))
        .find(|(x, y)| x != y)
}

/// An operations backend that counts what reaches it.
struct Counting<O> {
    inner: O,
    reached: Arc<AtomicUsize>,
}

impl<O: Operations> Operations for Counting<O> {
    fn execute(&mut self, request: &OpsRequest) -> Result<OpsOutput, OpsError> {
        self.reached.fetch_add(1, Ordering::SeqCst);
        self.inner.execute(request)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

#[test]
fn hostile_lines_are_refused_by_the_policy_before_they_reach_kubectl() {
    let (kubectl, curl) = binaries();
    let served = Served::start();
    let mut config = TrialConfig {
        env: Env::Live,
        live: served.live(&kubectl, &curl),
        ..trial_config()
    };
    config.policy = config.effective_policy();
    let reached = Arc::new(AtomicUsize::new(0));
    let mut ops = Counting {
        inner: LiveOps::connect(&config.live).unwrap(),
        reached: reached.clone(),
    };
    let model = config.build_model().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut trace = Trace::new();
    let mut run = Run {
        model: model.as_ref(),
        runtime: &runtime,
        trace: &mut trace,
        ops: &mut ops,
        config: &config,
        trial: "hostile".to_owned(),
        round: 1,
        stage: Stage::Learn,
        running_state: RunningState::default(),
        tokens: Tokens::default(),
        cost_usd: 0.0,
    };

    let hostile: &[(&str, Phase, &str)] = &[
        (
            "kubectl get pods -n sock-shop; rm -rf /",
            Phase::Action,
            "lists",
        ),
        (
            "kubectl get pods -n sock-shop | sh",
            Phase::Action,
            "pipelines",
        ),
        (
            "kubectl get pods -n sock-shop && curl http://evil.invalid",
            Phase::Action,
            "lists",
        ),
        (
            "kubectl get pods -n sock-shop > /etc/passwd",
            Phase::Action,
            "redirect",
        ),
        (
            "kubectl get pods -n $(cat /etc/hostname)",
            Phase::Action,
            "substitution",
        ),
        (
            "kubectl get pods -n `whoami`",
            Phase::Action,
            "substitution",
        ),
        (
            "kubectl get secrets -n kube-system",
            Phase::Observation,
            "outside the allowed scope",
        ),
        (
            "kubectl get pods --namespace=monitoring",
            Phase::Observation,
            "outside the allowed scope",
        ),
        (
            "kubectl get secrets -A",
            Phase::Observation,
            "name one with -n",
        ),
        (
            "kubectl get pods -n sock-shop -ws https://evil.invalid:443",
            Phase::Observation,
            "changes the cluster",
        ),
        (
            "kubectl scale deploy prometheus --replicas=0 -n monitoring",
            Phase::Action,
            "outside the allowed scope",
        ),
        (
            "kubectl delete namespace sock-shop",
            Phase::Action,
            "not allowed",
        ),
        (
            "kubectl delete svc catalogue -n sock-shop",
            Phase::Action,
            "not allowed",
        ),
        (
            "kubectl delete node kind-control-plane",
            Phase::Action,
            "not allowed",
        ),
        (
            "kubectl scale deploy catalogue --replicas=0 -n sock-shop",
            Phase::Observation,
            "observation task",
        ),
        (
            "kubectl rollout restart deploy/catalogue -n sock-shop",
            Phase::Observation,
            "observation task",
        ),
        (
            "kubectl get pods -n sock-shop --kubeconfig=/root/.kube/config",
            Phase::Observation,
            "credentials",
        ),
        (
            "kubectl get pods -n sock-shop --context=production",
            Phase::Observation,
            "credentials",
        ),
        (
            "kubectl exec -it catalogue-1 -n sock-shop -- sh",
            Phase::Action,
            "not allowed",
        ),
        ("sh -c 'kubectl get pods'", Phase::Action, "not allowed"),
        (
            "curl -o /tmp/x http://prometheus.monitoring:9090/",
            Phase::Observation,
            "files",
        ),
        (
            "curl -X DELETE http://prometheus.monitoring:9090/api/v1/admin/tsdb/delete_series",
            Phase::Action,
            "GET",
        ),
    ];
    let mut missing = Vec::new();
    for (line, phase, because) in hostile {
        match run.command("t", "agent", line, *phase).unwrap() {
            Ran::Refused(reason) => {
                println!("refused: {line}\n  reason: {reason}");
                if !reason.contains(because) {
                    missing.push(format!(
                        "{line}: reason {reason:?} does not say {because:?}"
                    ));
                }
            }
            Ran::Output(out) => missing.push(format!("{line}: ran, status {}", out.status)),
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "a hostile line reached the backend"
    );

    // The same path does run an allowed line, through the real kubectl.
    let Ran::Output(out) = run
        .command(
            "t",
            "agent",
            "kubectl get deploy catalogue -n sock-shop",
            Phase::Observation,
        )
        .unwrap()
    else {
        panic!("an allowed line was refused");
    };
    assert_eq!(out.status, 0, "{}", out.combined());
    assert!(out.stdout.starts_with("NAME"), "{}", out.stdout);
    assert_eq!(reached.load(Ordering::SeqCst), 1);
}

#[test]
fn dry_run_prints_state_changing_lines_and_leaves_the_world_alone() {
    let (kubectl, curl) = binaries();
    let served = Served::start();
    let config = LiveConfig {
        dry_run: true,
        ..served.live(&kubectl, &curl)
    };
    let mut live = LiveOps::connect(&config).unwrap();
    let scale = "kubectl scale deployment catalogue --replicas=5 -n sock-shop";
    let out = live
        .execute(&OpsRequest::Command(scale.to_owned()))
        .unwrap();
    assert_eq!(out.stdout, format!("dry run, not run: {scale}\n"));
    assert_eq!(out.status, 0);
    let replicas = live
        .execute(&OpsRequest::Command(
            "kubectl get deploy catalogue -n sock-shop -o jsonpath={.spec.replicas}".to_owned(),
        ))
        .unwrap();
    assert_eq!(replicas.stdout, "1");
    assert!(live.describe().ends_with(":dry-run"), "{}", live.describe());
}

#[test]
fn harness_faults_stop_the_trial_with_what_is_wrong() {
    let (kubectl, curl) = binaries();
    let served = Served::start();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let cases: Vec<(&str, LiveConfig, &str)> = vec![
        (
            "Prometheus unreachable",
            LiveConfig {
                prometheus_url: Some(format!("http://{closed}")),
                ..served.live(&kubectl, &curl)
            },
            "Prometheus at",
        ),
        (
            "kubeconfig unreadable",
            LiveConfig {
                kubeconfig: Some(served.dir.path().join("no-such-kubeconfig")),
                ..served.live(&kubectl, &curl)
            },
            "cannot read kubeconfig",
        ),
        (
            "kubectl missing",
            LiveConfig {
                kubectl: served.dir.path().join("no-such-kubectl"),
                ..served.live(&kubectl, &curl)
            },
            "cannot run",
        ),
        (
            "unknown context",
            LiveConfig {
                context: Some("no-such-context".to_owned()),
                ..served.live(&kubectl, &curl)
            },
            "no-such-context",
        ),
    ];
    for (what, live, says) in cases {
        let config = TrialConfig {
            env: Env::Live,
            live,
            ..trial_config()
        };
        let out = served.dir.path().join(what.replace(' ', "-"));
        let err = odyssey::trial::run_trial_with(
            &config,
            config.build_model().unwrap().as_ref(),
            Some(&out),
            &mut odyssey::trial::Quiet,
        )
        .unwrap_err();
        assert!(matches!(err, TrialError::Live(_)), "{what}: {err}");
        let message = format!("{:#}", anyhow::Error::from(err));
        println!("{what}: {message}");
        assert!(message.contains(says), "{what}: {message}");
    }

    // A real cluster (the wall clock) cannot be reset into the evaluation tasks' starting
    // states: refused before anything runs.
    let evaluating = TrialConfig {
        env: Env::Live,
        live: LiveConfig {
            clock: LiveClock::Wall,
            ..served.live(&kubectl, &curl)
        },
        evaluate: true,
        ..trial_config()
    };
    let err = run_trial(&evaluating, evaluating.build_model().unwrap().as_ref()).unwrap_err();
    assert!(matches!(err, TrialError::LiveNeedsNoEvaluation), "{err}");
    assert!(err.to_string().contains("--no-evaluate"), "{err}");
}

#[test]
fn a_dead_api_server_is_feedback_from_kubectl_but_a_dead_simulator_clock_stops_the_harness() {
    let (kubectl, curl) = binaries();
    let mut served = Served::start();
    let simulated = served.live(&kubectl, &curl);
    let wall = LiveConfig {
        clock: LiveClock::Wall,
        ..simulated.clone()
    };
    let mut on_simulator = LiveOps::connect(&simulated).unwrap();
    let mut on_wall = LiveOps::connect(&wall).unwrap();
    served.child.kill().unwrap();
    served.child.wait().unwrap();

    let line = OpsRequest::Command("kubectl get pods -n sock-shop".to_owned());
    let out = on_wall.execute(&line).unwrap();
    assert_ne!(out.status, 0);
    assert!(out.stderr.contains("refused"), "{}", out.stderr);

    let err = on_simulator.execute(&line).unwrap_err();
    let message = format!("{:#}", anyhow::Error::from(err));
    assert!(message.contains("clock"), "{message}");
}
