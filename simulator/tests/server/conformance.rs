//! Real kubectl against the served world, and the same lines in-process: stdout, stderr and
//! exit status must agree byte for byte.
//!
//! Clock rule on both sides (see `odyssey_simulator::server`): before each line the harness
//! lets `COMMAND_LATENCY` pass on the world; the in-process side then runs
//! `World::kubectl_now`, the real side runs kubectl, whose requests do not move the clock
//! except while it waits on a watch (`delete` without `--wait=false`, `rollout status`), which
//! lets time pass up to the change it waits for, as the interpreter's waiting verbs do.

use std::path::{Path, PathBuf};
use std::process::Command;

use odyssey_simulator::World;
use odyssey_simulator::kubectl::resources::ResourceKind;
use odyssey_simulator::kubectl::run::COMMAND_LATENCY;
use odyssey_simulator::kubectl::selector::Selector;
use odyssey_simulator::kubectl::shell;
use odyssey_simulator::server::{Limits, lock};

use super::{TestServer, world};

/// The real kubectl v1.32, if the machine has one.
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

/// One case: lines run in order on one fresh world; `known` says why a case cannot agree.
struct Case {
    lines: Vec<String>,
    known: Option<&'static str>,
}

fn case(lines: &[&str]) -> Case {
    Case {
        lines: lines.iter().map(|l| l.to_string()).collect(),
        known: None,
    }
}

fn known(lines: &[&str], why: &'static str) -> Case {
    Case {
        known: Some(why),
        ..case(lines)
    }
}

/// Names the lines refer to: a Sock Shop pod and the node.
fn fill(line: &str, w: &World) -> String {
    let pod = w
        .list(
            ResourceKind::Pod,
            Some("sock-shop"),
            &Selector::parse("name=catalogue").expect("a valid selector"),
        )
        .first()
        .map(|o| o.name().to_string())
        .unwrap_or_default();
    let node = w.state().nodes.keys().next().cloned().unwrap_or_default();
    line.replace("{pod}", &pod).replace("{node}", &node)
}

fn cases() -> Vec<Case> {
    vec![
        case(&["get pods -n sock-shop"]),
        case(&["get pods -n sock-shop -o wide"]),
        case(&["get pods -A"]),
        case(&["get pods -n sock-shop --show-labels"]),
        case(&["get pods -n sock-shop -l name=carts"]),
        case(&["get deploy -n sock-shop"]),
        case(&["get deployments -n sock-shop -o wide"]),
        case(&["get svc -n sock-shop"]),
        case(&["get rs -n sock-shop"]),
        case(&["get nodes"]),
        case(&["get nodes -o wide"]),
        case(&["get ns"]),
        case(&["get endpoints -n sock-shop"]),
        case(&["get hpa -n sock-shop"]),
        case(&["get configmaps -n kube-system"]),
        case(&["get pods"]),
        case(&["get all -n sock-shop"]),
        case(&["get deploy -A -o wide"]),
        case(&["get svc,deploy -n sock-shop"]),
        case(&["get pods -n sock-shop -l name!=carts,name!=orders --no-headers"]),
        case(&["get pods -n sock-shop -l 'bogus selector'"]),
        case(&["get deploy -n sock-shop -l 'a in (b'"]),
        case(&["top pod -n sock-shop --containers"]),
        case(&["top pod -A"]),
        case(&["get pod {pod} -n sock-shop"]),
        case(&["get pod {pod} -n sock-shop -o yaml"]),
        case(&["get pod {pod} -n sock-shop -o json"]),
        case(&["get deploy carts -n sock-shop -o yaml"]),
        case(&["get pods -n sock-shop -o name"]),
        case(&["get deploy -n sock-shop -o name"]),
        case(&["get pods -n sock-shop -o jsonpath={.items[*].metadata.name}"]),
        case(&["get deploy carts -n sock-shop -o jsonpath={.spec.replicas}"]),
        case(&["get pods -n sock-shop --no-headers"]),
        case(&["get pod nosuch -n sock-shop"]),
        case(&["get deploy nosuch -n sock-shop"]),
        case(&["get widgets"]),
        case(&["describe pod {pod} -n sock-shop"]),
        case(&["describe deploy carts -n sock-shop"]),
        case(&["describe svc carts -n sock-shop"]),
        case(&["describe svc -n sock-shop"]),
        case(&["describe node {node}"]),
        case(&["describe pod nosuch -n sock-shop"]),
        case(&["logs {pod} -n sock-shop"]),
        case(&["logs {pod} -n sock-shop --tail=3"]),
        case(&["logs nosuch -n sock-shop"]),
        case(&[
            "scale deploy carts -n sock-shop --replicas=3",
            "get deploy carts -n sock-shop",
        ]),
        case(&["scale deploy nosuch -n sock-shop --replicas=3"]),
        case(&[
            "set image deploy/carts carts=weaveworksdemos/carts:0.4.7 -n sock-shop",
            "get deploy carts -n sock-shop -o wide",
        ]),
        case(&[
            "set env deploy/carts FOO=bar -n sock-shop",
            "get deploy carts -n sock-shop -o jsonpath={.spec.template.spec.containers[0].env}",
        ]),
        case(&["rollout status deploy/carts -n sock-shop"]),
        case(&["rollout history deploy/carts -n sock-shop"]),
        case(&["rollout restart deploy/carts -n sock-shop"]),
        case(&[
            "set image deploy/carts carts=weaveworksdemos/carts:0.4.7 -n sock-shop",
            "rollout undo deploy/carts -n sock-shop",
        ]),
        case(&[
            "label pod {pod} -n sock-shop tier=backend",
            "get pod {pod} -n sock-shop --show-labels",
        ]),
        case(&["label deploy carts -n sock-shop name=other"]),
        case(&[
            "annotate deploy carts -n sock-shop note=hello",
            "get deploy carts -n sock-shop -o jsonpath={.metadata.annotations.note}",
        ]),
        case(&[
            "patch deploy carts -n sock-shop -p '{\"spec\":{\"replicas\":2}}'",
            "get deploy carts -n sock-shop",
        ]),
        case(&["patch deploy carts -n sock-shop --type=merge -p '{\"spec\":{\"replicas\":2}}'"]),
        case(&["patch deploy nosuch -n sock-shop -p '{\"spec\":{\"replicas\":2}}'"]),
        case(&[
            "autoscale deploy carts --min=1 --max=5 --cpu-percent=50 -n sock-shop",
            "get hpa -n sock-shop",
            "autoscale deploy carts --max=5 -n sock-shop",
        ]),
        case(&["autoscale deploy nosuch --max=5 -n sock-shop"]),
        case(&[
            "rollout restart deploy/carts -n sock-shop",
            "get deploy carts -n sock-shop -o jsonpath={.spec.template.metadata.annotations}",
        ]),
        case(&["delete pod {pod} -n sock-shop --wait=false"]),
        case(&["delete pod nosuch -n sock-shop"]),
        case(&[
            "delete pod {pod} -n sock-shop",
            "get pods -n sock-shop",
            "get pods -n sock-shop -l name=catalogue -o name",
        ]),
        case(&[
            "delete pod -n sock-shop -l name=carts",
            "get pods -n sock-shop -l name=carts",
        ]),
        case(&[
            "set image deploy/carts carts=weaveworksdemos/carts:0.4.7 -n sock-shop",
            "rollout status deploy/carts -n sock-shop",
            "get deploy,rs -n sock-shop -l name=carts",
        ]),
        case(&[
            "rollout restart deploy/front-end -n sock-shop",
            "rollout status deployment front-end -n sock-shop",
            "get deploy front-end -n sock-shop",
        ]),
        // kubectl stamps the restarted template with its wall clock; the server replaces the
        // stamp with the virtual now, so the new ReplicaSet's hash is the interpreter's.
        case(&[
            "rollout restart deploy/front-end -n sock-shop",
            "get rs -n sock-shop -l name=front-end",
        ]),
        case(&[
            "set image deploy/carts carts=weaveworksdemos/carts:0.4.7 -n sock-shop",
            "rollout status deploy/carts -n sock-shop --watch=false",
        ]),
        // The default deadline (600 s) is longer than a watch's quiet stretch; the served
        // watch waits up to the pending deadline, as the interpreter does.
        case(&[
            "set image deploy/carts carts=weaveworksdemos/carts:9.9.9 -n sock-shop",
            "rollout status deploy/carts -n sock-shop",
            "get deploy carts -n sock-shop",
        ]),
        case(&["get pods -n sock-shop --sort-by=.metadata.name -o name"]),
        case(&["get pods -n sock-shop --field-selector=status.phase=Running"]),
        case(&["get pods -n sock-shop --field-selector=bogus"]),
        case(&[
            "get deploy -n sock-shop -o custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas",
        ]),
        case(&["get ns sock-shop -o yaml"]),
        case(&["get svc carts -n sock-shop -o json"]),
        case(&[
            "get pods -n sock-shop -o jsonpath='{range .items[*]}{.metadata.name}{\"\\n\"}{end}'",
        ]),
        case(&[
            "get deploy -n sock-shop -o jsonpath={.items[0].spec.template.spec.containers[0].image}",
        ]),
        case(&["get pods -n sock-shop -o badformat"]),
        case(&["get pods -n nosuch"]),
        case(&["describe pods -n sock-shop -l name=carts"]),
        case(&["describe deploy nosuch -n sock-shop"]),
        case(&["logs {pod} -n sock-shop --previous"]),
        case(&["logs {pod} -n sock-shop -c nosuch"]),
        case(&["logs {pod} -n sock-shop --timestamps --tail=2"]),
        case(&["logs deploy/carts -n sock-shop --tail=1"]),
        case(&[
            "scale deploy carts -n sock-shop --current-replicas=5 --replicas=2",
            "get deploy carts -n sock-shop",
        ]),
        case(&["scale deploy/carts deploy/orders -n sock-shop --replicas=2"]),
        case(&["scale rs nosuch -n sock-shop --replicas=1"]),
        case(&[
            "set resources deploy/carts -n sock-shop --limits=cpu=400m,memory=512Mi",
            "get deploy carts -n sock-shop -o jsonpath={.spec.template.spec.containers[0].resources}",
        ]),
        case(&["set image deploy/carts nosuch=img:1 -n sock-shop"]),
        case(&["set image deploy/nosuch carts=img:1 -n sock-shop"]),
        case(&[
            "rollout pause deploy/carts -n sock-shop",
            "rollout resume deploy/carts -n sock-shop",
            "rollout resume deploy/carts -n sock-shop",
        ]),
        case(&["rollout undo deploy/carts -n sock-shop"]),
        case(&["rollout status deploy/nosuch -n sock-shop"]),
        case(&["rollout history deploy/nosuch -n sock-shop"]),
        case(&[
            "label pod {pod} -n sock-shop tier=backend",
            "label pod {pod} -n sock-shop tier=frontend",
            "label pod {pod} -n sock-shop tier=frontend --overwrite",
            "label pod {pod} -n sock-shop tier-",
            "get pod {pod} -n sock-shop --show-labels",
        ]),
        case(&["label deploy nosuch -n sock-shop a=b"]),
        case(&[
            "annotate deploy carts -n sock-shop note=hello",
            "annotate deploy carts -n sock-shop note=again",
            "annotate deploy carts -n sock-shop note=again --overwrite",
        ]),
        case(&[
            "patch deploy carts -n sock-shop --type=json -p '[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3}]'",
            "get deploy carts -n sock-shop -o jsonpath={.spec.replicas}",
        ]),
        case(&[
            "patch deploy carts -n sock-shop --type=json -p '[{\"op\":\"remove\",\"path\":\"/spec/nosuch\"}]'",
        ]),
        case(&["patch deploy carts -n sock-shop -p 'not json'"]),
        case(&["patch deploy carts -n sock-shop -p '[1, 2]'"]),
        case(&["patch deploy carts -n sock-shop --type=json -p '{\"a\":1}'"]),
        known(
            &["patch deploy carts -n sock-shop -p '{bad'"],
            "kubectl's YAML reader (go-yaml) accepts the unterminated `{bad` and sends what it read, which the server rejects; the interpreter's YAML reader rejects it, so it prints kubectl's client-side parse error instead",
        ),
        case(&["patch pod {pod} -n sock-shop -p '{\"spec\":{\"nodeName\":\"other\"}}'"]),
        case(&[
            "patch svc carts -n sock-shop --type=merge -p '{\"metadata\":{\"labels\":{\"x\":\"y\"}}}'",
            "get svc carts -n sock-shop --show-labels",
        ]),
        case(&["delete deploy nosuch -n sock-shop"]),
        case(&["delete pod {pod} -n sock-shop --grace-period=0 --force"]),
        // The scenario's objects carry no last-applied annotation: the first apply warns and
        // patches it in, the second finds nothing to change.
        case(&[
            "apply -f manifests/05-catalogue-dep.yaml",
            "apply -f manifests/05-catalogue-dep.yaml",
            "get deploy catalogue -n sock-shop -o yaml",
        ]),
        case(&["create -f manifests/06-catalogue-svc.yaml"]),
        case(&[
            "scale deploy catalogue -n sock-shop --replicas=3",
            "apply -f manifests/05-catalogue-dep.yaml",
            "get deploy catalogue -n sock-shop",
        ]),
        case(&[
            "apply -f manifests/05-catalogue-dep.yaml",
            "set image deploy/catalogue catalogue=weaveworksdemos/catalogue:0.3.4 -n sock-shop",
            "apply -f manifests/05-catalogue-dep.yaml",
            "get deploy catalogue -n sock-shop -o wide",
            "get rs -n sock-shop -l name=catalogue",
        ]),
        // A field the manifest never set survives apply: the three-way patch removes only what
        // the last-applied configuration had.
        case(&[
            "apply -f manifests/05-catalogue-dep.yaml",
            "set env deploy/catalogue FOO=bar -n sock-shop",
            "apply -f manifests/05-catalogue-dep.yaml",
            "get deploy catalogue -n sock-shop -o jsonpath={.spec.template.spec.containers[0].env}",
        ]),
        case(&[
            "delete svc catalogue -n sock-shop",
            "apply -f manifests/06-catalogue-svc.yaml",
            "apply -f manifests/06-catalogue-svc.yaml",
            "get svc catalogue -n sock-shop -o yaml",
        ]),
        case(&[
            "delete svc catalogue -n sock-shop",
            "create -f manifests/06-catalogue-svc.yaml",
            "create -f manifests/06-catalogue-svc.yaml",
            "get svc catalogue -n sock-shop -o json",
        ]),
        case(&[
            "apply -f manifests/00-sock-shop-ns.yaml",
            "get ns sock-shop -o yaml",
        ]),
        case(&["apply -f manifests/nosuch.yaml"]),
        // A Service's ports merge by port: the patch changes the one port, apply restores it.
        case(&[
            "patch svc catalogue -n sock-shop -p '{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080}]}}'",
            "get svc catalogue -n sock-shop -o jsonpath={.spec.ports}",
            "apply -f manifests/06-catalogue-svc.yaml",
            "get svc catalogue -n sock-shop -o jsonpath={.spec.ports}",
        ]),
        // What the last-applied configuration set and the manifest no longer does is removed;
        // what neither set stays.
        case(&[
            "label deploy catalogue -n sock-shop tier=x extra=y",
            "annotate deploy catalogue -n sock-shop 'kubectl.kubernetes.io/last-applied-configuration={\"metadata\":{\"labels\":{\"tier\":\"x\"}}}'",
            "apply -f manifests/05-catalogue-dep.yaml",
            "get deploy catalogue -n sock-shop --show-labels",
        ]),
        // A stuck rollout: the image cannot be pulled, so the new pod never becomes ready and
        // the deployment reports ProgressDeadlineExceeded once the deadline has passed without
        // progress, which ends `rollout status` on both sides.
        case(&[
            "patch deploy carts -n sock-shop -p '{\"spec\":{\"progressDeadlineSeconds\":60}}'",
            "set image deploy/carts carts=weaveworksdemos/carts:9.9.9 -n sock-shop",
            "rollout status deploy/carts -n sock-shop",
            "get deploy carts -n sock-shop -o 'jsonpath={.status.conditions[?(@.type==\"Progressing\")].reason}'",
            "rollout status deploy/carts -n sock-shop --watch=false",
        ]),
        // The default deadline (600 s) is longer than a watch's quiet stretch; the served
        // watch waits up to the pending deadline, as the interpreter does.
        case(&[
            "set image deploy/carts carts=weaveworksdemos/carts:9.9.9 -n sock-shop",
            "rollout status deploy/carts -n sock-shop",
            "get deploy carts -n sock-shop",
        ]),
        case(&[
            "apply -f manifests/",
            "apply -f manifests",
            "get deploy,svc -n sock-shop",
        ]),
        case(&[
            "delete deploy catalogue -n sock-shop",
            "create -f manifests",
            "get deploy catalogue -n sock-shop",
        ]),
        case(&["autoscale deploy carts -n sock-shop --min=1 --max=3 --cpu-percent=50"]),
        case(&["api-resources --namespaced=true"]),
        case(&["top pod -n sock-shop"]),
        case(&["top node"]),
        case(&["version"]),
        case(&["api-resources"]),
        case(&["config current-context"]),
    ]
}

/// Runs real kubectl with `words` against `kubeconfig`; returns stdout, stderr, status.
fn run_real(
    bin: &Path,
    kubeconfig: &Path,
    cache: &Path,
    words: &[String],
) -> (String, String, i32) {
    let out = Command::new(bin)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/sock-shop"))
        .arg(format!("--kubeconfig={}", kubeconfig.display()))
        .arg(format!("--cache-dir={}", cache.display()))
        .args(words)
        .env_remove("KUBECONFIG")
        .env("HOME", cache)
        .output()
        .expect("kubectl runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn real_kubectl_prints_what_the_interpreter_prints() {
    let Some(bin) = real_kubectl() else {
        println!("skipped: no kubectl on this machine");
        return;
    };
    let base = world();
    let server = TestServer::start(base.clone(), Limits::default());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let kubeconfig = dir.path().join("kubeconfig");
    let context = base.scenario().file.cluster.context.clone();
    std::fs::write(&kubeconfig, server.running().kubeconfig(&context)).expect("kubeconfig written");
    let cache = dir.path().join("cache");

    let (mut agree, mut total, mut unexpected, mut stale) = (0, 0, Vec::new(), Vec::new());
    for c in cases() {
        let mut differed = false;
        let mut local = base.clone();
        *lock(&server.world) = base.clone();
        for raw in &c.lines {
            let line = fill(raw, &local);
            let words = shell::split(&line).expect("a well-formed line");
            local.advance(COMMAND_LATENCY);
            lock(&server.world).advance(COMMAND_LATENCY);
            let want = local.kubectl_now(&words);
            let got = run_real(&bin, &kubeconfig, &cache, &words);
            total += 1;
            let same = (want.stdout.as_str(), want.stderr.as_str(), want.status)
                == (got.0.as_str(), got.1.as_str(), got.2);
            if same {
                agree += 1;
                continue;
            }
            differed = true;
            let report = format!(
                "$ kubectl {line}\n--- in-process (status {}):\n{}{}\n--- real kubectl (status {}):\n{}{}",
                want.status, want.stdout, want.stderr, got.2, got.0, got.1
            );
            match c.known {
                Some(why) => println!("known difference ({why}):\n{report}"),
                None => unexpected.push(report),
            }
        }
        if c.known.is_some() && !differed {
            stale.push(c.lines.join(" ; "));
        }
    }
    println!("kubectl lines agreeing byte for byte: {agree} of {total}");
    for u in &unexpected {
        println!("DIFFERENT\n{u}\n");
    }
    assert!(
        stale.is_empty(),
        "cases listed as known differences now agree; make them plain cases: {stale:#?}"
    );
    assert!(
        unexpected.is_empty(),
        "{} lines differ from real kubectl (seed {})",
        unexpected.len(),
        base.seed()
    );
}
