//! Faults show in `get`, `describe`, `logs` and events as they would on a real cluster.

use odyssey_simulator::World;
use odyssey_simulator::clock::Millis;
use odyssey_simulator::fault::{Fault, FaultKind};

use crate::{run, world};

fn faulted(seed: u64, kind: FaultKind, target: &str) -> World {
    let mut w = world(seed);
    w.inject_fault(Fault {
        kind,
        target: target.into(),
        namespace: "sock-shop".into(),
    });
    w
}

fn pod_row(w: &mut World, service: &str) -> String {
    run(
        w,
        &format!("kubectl get pods -n sock-shop -l name={service} --no-headers"),
    )
    .stdout
}

#[test]
fn a_crash_loop_shows_back_off_restarts_and_the_crash_in_previous_logs() {
    let mut w = faulted(11, FaultKind::CrashLoop, "catalogue");
    w.advance(Millis::from_secs(120));
    let row = pod_row(&mut w, "catalogue");
    assert!(
        row.contains("CrashLoopBackOff") || row.contains("Running"),
        "{row}"
    );
    let restarts: i32 = row
        .split_whitespace()
        .nth(3)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    assert!(restarts >= 3, "{row}");
    let pod = row
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    let logs = run(
        &mut w,
        &format!("kubectl logs {pod} -n sock-shop --previous"),
    );
    assert!(
        logs.stdout.contains("panic: runtime error"),
        "{}",
        logs.stdout
    );
    let describe = run(&mut w, &format!("kubectl describe pod {pod} -n sock-shop"));
    assert!(
        describe.stdout.contains("Last State:     Terminated"),
        "{}",
        describe.stdout
    );
    assert!(
        describe
            .stdout
            .contains("Back-off restarting failed container catalogue"),
        "{}",
        describe.stdout
    );
}

#[test]
fn memory_pressure_kills_the_container_as_oom_killed() {
    let mut w = faulted(12, FaultKind::MemoryPressure, "carts");
    w.advance(Millis::from_secs(50));
    let pod = pod_row(&mut w, "carts")
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    let describe = run(&mut w, &format!("kubectl describe pod {pod} -n sock-shop"));
    assert!(
        describe.stdout.contains("Reason:       OOMKilled"),
        "{}",
        describe.stdout
    );
    assert!(
        describe.stdout.contains("Exit Code:    137"),
        "{}",
        describe.stdout
    );
}

#[test]
fn pod_failure_makes_the_pod_unready_and_empties_the_service_endpoints() {
    let mut w = faulted(13, FaultKind::PodFailure, "catalogue");
    w.advance(Millis::from_secs(5));
    let row = pod_row(&mut w, "catalogue");
    assert!(row.contains(" 0/1 "), "{row}");
    let ep = run(
        &mut w,
        "kubectl get endpoints catalogue -n sock-shop --no-headers",
    )
    .stdout;
    assert!(ep.contains("<none>"), "{ep}");
    w.advance(Millis::from_secs(60));
    let events = run(
        &mut w,
        "kubectl get events -n sock-shop --field-selector reason=Unhealthy",
    )
    .stdout;
    let all = run(&mut w, "kubectl get events -n sock-shop").stdout;
    assert!(
        events.contains("probe failed") || all.contains("Readiness probe failed"),
        "{all}"
    );
}

#[test]
fn a_bad_image_fault_shows_err_image_pull() {
    let mut w = faulted(
        14,
        FaultKind::BadImage {
            image: "weaveworksdemos/catalogue:0.3.6".into(),
        },
        "catalogue",
    );
    w.advance(Millis::from_secs(15));
    let rows = pod_row(&mut w, "catalogue");
    assert!(
        rows.contains("ErrImagePull") || rows.contains("ImagePullBackOff"),
        "{rows}"
    );
}

#[test]
fn scale_to_zero_leaves_no_pods_and_a_zero_of_zero_deployment() {
    let mut w = faulted(15, FaultKind::ScaleToZero, "catalogue");
    w.advance(Millis::from_secs(10));
    let out = run(&mut w, "kubectl get pods -n sock-shop -l name=catalogue");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "No resources found in sock-shop namespace.\n");
    let d = run(
        &mut w,
        "kubectl get deploy catalogue -n sock-shop --no-headers",
    )
    .stdout;
    assert!(d.contains(" 0/0 "), "{d}");
}

#[test]
fn a_wrong_environment_variable_crashes_the_new_pods_with_the_reason_in_their_logs() {
    let mut w = faulted(
        16,
        FaultKind::WrongEnv {
            name: "CATALOGUE_DB".into(),
            value: "nowhere:1".into(),
        },
        "catalogue",
    );
    w.advance(Millis::from_secs(60));
    let rows = pod_row(&mut w, "catalogue");
    let crashing = rows
        .lines()
        .find(|l| l.contains("CrashLoopBackOff") || l.contains("Error"))
        .unwrap_or_else(|| panic!("no crashing pod in {rows}"));
    let pod = crashing.split_whitespace().next().unwrap_or_default();
    let logs = run(
        &mut w,
        &format!("kubectl logs {pod} -n sock-shop --previous"),
    );
    assert!(logs.stdout.contains("CATALOGUE_DB"), "{}", logs.stdout);
    // The old pod keeps serving while the broken rollout is stuck.
    assert!(
        rows.lines()
            .any(|l| l.split_whitespace().nth(1) == Some("1/1") && l.contains("Running")),
        "{rows}"
    );
}
