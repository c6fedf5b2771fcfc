//! Stateful sessions: what a user sees over time after changing the cluster.

use crate::{run, world};

/// The `READY` cells of `get pods` output, one per pod.
fn ready_cells(table: &str) -> Vec<String> {
    table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect()
}

#[test]
fn default_world_lists_fourteen_sock_shop_pods_with_rabbitmq_two_of_two() {
    let mut w = world(1);
    let out = run(&mut w, "kubectl get pods -n sock-shop");
    assert_eq!(out.status, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "NAME                           READY   STATUS    RESTARTS   AGE"
    );
    assert_eq!(lines.len(), 15);
    let rabbit = lines
        .iter()
        .find(|l| l.starts_with("rabbitmq-"))
        .expect("a rabbitmq pod");
    assert!(rabbit.contains(" 2/2 "), "{rabbit}");
    assert!(lines[1..].iter().all(|l| l.contains("Running")));
}

#[test]
fn scale_to_three_gives_three_ready_replicas_after_the_readiness_delay() {
    let mut w = world(2);
    let out = run(
        &mut w,
        "kubectl scale deployment catalogue --replicas=3 -n sock-shop",
    );
    assert_eq!(out.stdout, "deployment.apps/catalogue scaled\n");

    let early = run(&mut w, "kubectl get pods -n sock-shop -l name=catalogue");
    let cells = ready_cells(&early.stdout);
    assert_eq!(cells.len(), 3, "{}", early.stdout);
    assert!(
        cells.iter().filter(|c| *c == "0/1").count() == 2,
        "{}",
        early.stdout
    );

    run(&mut w, "sleep 30s");
    let late = run(&mut w, "kubectl get deploy catalogue -n sock-shop");
    assert!(
        late.stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains(" 3/3 ")),
        "{}",
        late.stdout
    );
    let pods = run(&mut w, "kubectl get pods -n sock-shop -l name=catalogue");
    assert_eq!(ready_cells(&pods.stdout), vec!["1/1"; 3]);
}

#[test]
fn a_missing_image_ends_in_image_pull_back_off_and_keeps_the_old_pod_serving() {
    let mut w = world(3);
    run(
        &mut w,
        "kubectl set image deployment/catalogue catalogue=weaveworksdemos/catalogue:0.3.6 -n sock-shop",
    );
    run(&mut w, "sleep 40s");
    let pods = run(&mut w, "kubectl get pods -n sock-shop -l name=catalogue");
    assert!(
        pods.stdout.contains("ImagePullBackOff") || pods.stdout.contains("ErrImagePull"),
        "{}",
        pods.stdout
    );
    assert!(pods.stdout.contains("1/1     Running"), "{}", pods.stdout);
    let status = run(
        &mut w,
        "kubectl rollout status deployment/catalogue -n sock-shop --timeout=20s",
    );
    assert_eq!(status.status, 1);
    assert_eq!(
        status.stderr,
        "error: timed out waiting for the condition\n"
    );
    let events = run(&mut w, "kubectl get events -n sock-shop");
    assert!(
        events
            .stdout
            .contains("Failed to pull image \"weaveworksdemos/catalogue:0.3.6\""),
        "{}",
        events.stdout
    );
}

#[test]
fn a_stuck_rollout_reports_its_progress_deadline_exceeded_after_the_deadline() {
    let mut w = world(3);
    run(
        &mut w,
        "kubectl set image deployment/catalogue catalogue=weaveworksdemos/catalogue:0.3.6 -n sock-shop",
    );
    let progressing = |w: &mut odyssey_simulator::World| {
        run(
            w,
            "kubectl get deploy catalogue -n sock-shop -o 'jsonpath={.status.conditions[?(@.type==\"Progressing\")].reason}'",
        )
        .stdout
    };
    run(&mut w, "sleep 300s");
    assert_eq!(progressing(&mut w), "ReplicaSetUpdated");
    let due = w
        .progress_deadline_due("sock-shop", "catalogue")
        .expect("a deadline is pending")
        .0
        / 1000;
    assert!((290..=305).contains(&due), "due in {due} s");
    let started = w.clock().elapsed();
    let status = run(
        &mut w,
        "kubectl rollout status deployment/catalogue -n sock-shop",
    );
    assert_eq!(status.status, 1);
    assert_eq!(
        status.stderr,
        "error: deployment \"catalogue\" exceeded its progress deadline\n"
    );
    // The deadline (600 s by default) runs from the rollout's last progress, a few seconds
    // after `set image`; the wait ends the second the condition is written.
    let waited = (w.clock().elapsed() - started).0 / 1000;
    assert!((295..=310).contains(&waited), "waited {waited} s");
    assert_eq!(progressing(&mut w), "ProgressDeadlineExceeded");
    assert_eq!(w.progress_deadline_due("sock-shop", "catalogue"), None);
    // A new rollout makes progress again.
    run(
        &mut w,
        "kubectl set image deployment/catalogue catalogue=weaveworksdemos/catalogue:0.3.5 -n sock-shop",
    );
    let status = run(
        &mut w,
        "kubectl rollout status deployment/catalogue -n sock-shop",
    );
    assert_eq!(status.status, 0, "{}{}", status.stdout, status.stderr);
    assert_eq!(progressing(&mut w), "NewReplicaSetAvailable");
}

#[test]
fn rollout_undo_returns_the_previous_image() {
    let mut w = world(4);
    let image = |w: &mut odyssey_simulator::World| {
        run(w, "kubectl get deploy catalogue -n sock-shop -o wide")
            .stdout
            .lines()
            .nth(1)
            .and_then(|l| l.split_whitespace().nth(6).map(str::to_string))
            .unwrap_or_default()
    };
    assert_eq!(image(&mut w), "weaveworksdemos/catalogue:0.3.5");
    run(
        &mut w,
        "kubectl set image deployment/catalogue catalogue=weaveworksdemos/catalogue:0.3.4 -n sock-shop",
    );
    let status = run(
        &mut w,
        "kubectl rollout status deployment/catalogue -n sock-shop",
    );
    assert!(
        status
            .stdout
            .ends_with("deployment \"catalogue\" successfully rolled out\n"),
        "{}",
        status.stdout
    );
    assert_eq!(image(&mut w), "weaveworksdemos/catalogue:0.3.4");
    let undo = run(
        &mut w,
        "kubectl rollout undo deployment/catalogue -n sock-shop",
    );
    assert_eq!(undo.stdout, "deployment.apps/catalogue rolled back\n");
    assert_eq!(image(&mut w), "weaveworksdemos/catalogue:0.3.5");
    let history = run(
        &mut w,
        "kubectl rollout history deployment/catalogue -n sock-shop",
    );
    assert_eq!(
        history.stdout,
        "deployment.apps/catalogue \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n"
    );
}

#[test]
fn deleting_a_pod_waits_until_it_is_gone_and_the_replica_set_replaces_it() {
    let mut w = world(5);
    let before = run(
        &mut w,
        "kubectl get pods -n sock-shop -l name=carts -o name",
    )
    .stdout;
    let name = before.trim().trim_start_matches("pod/").to_string();
    let out = run(&mut w, &format!("kubectl delete pod {name} -n sock-shop"));
    assert_eq!(out.stdout, format!("pod \"{name}\" deleted\n"));
    let after = run(
        &mut w,
        "kubectl get pods -n sock-shop -l name=carts -o name",
    )
    .stdout;
    assert_eq!(after.lines().count(), 1);
    assert_ne!(after, before);
}

#[test]
fn restart_replaces_every_pod_with_a_new_replica_set() {
    let mut w = world(6);
    let before = run(
        &mut w,
        "kubectl get rs -n sock-shop -l name=front-end -o name",
    )
    .stdout;
    run(
        &mut w,
        "kubectl rollout restart deployment/front-end -n sock-shop",
    );
    let status = run(
        &mut w,
        "kubectl rollout status deployment/front-end -n sock-shop",
    );
    assert!(
        status.stdout.ends_with("successfully rolled out\n"),
        "{}",
        status.stdout
    );
    let after = run(&mut w, "kubectl get rs -n sock-shop -l name=front-end").stdout;
    assert_eq!(after.lines().count(), 3, "{after}");
    assert!(after.lines().any(|l| {
        l.starts_with(before.trim().trim_start_matches("replicaset.apps/")) && l.contains(" 0 ")
    }));
}
