//! `kubectl logs`: container logs generated from each container's lifecycle (start-up lines of
//! its image, probe traffic while it runs, the error that ended a crashed run).

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;

use super::output::CommandOutput;
use crate::world::{ObjectKey, World};

/// A resolved `kubectl logs` request.
#[derive(Clone, Debug, Default)]
pub struct LogsRequest {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// `-c`.
    pub container: Option<String>,
    /// `--previous`.
    pub previous: bool,
    /// `--tail` (-1 for all).
    pub tail: i64,
    /// `--timestamps`.
    pub timestamps: bool,
}

/// Runs `logs`.
pub fn logs(world: &World, req: &LogsRequest) -> CommandOutput {
    let key = ObjectKey::new(&req.namespace, &req.pod);
    let Some(pod) = world.state().pods.get(&key) else {
        return CommandOutput::error(format!(
            "error: error from server (NotFound): pods \"{}\" not found in namespace \"{}\"\n",
            req.pod, req.namespace
        ));
    };
    let spec = pod.spec.clone().unwrap_or_default();
    let names: Vec<String> = spec.containers.iter().map(|c| c.name.clone()).collect();
    let mut out = CommandOutput::default();
    let container = match &req.container {
        Some(c) => {
            if !names.contains(c) {
                return CommandOutput::error(format!(
                    "error: container {c} is not valid for pod {}\n",
                    req.pod
                ));
            }
            c.clone()
        }
        None => {
            if names.len() > 1 {
                out.stderr.push_str(&format!(
                    "Defaulted container \"{}\" out of: {}\n",
                    names[0],
                    names.join(", ")
                ));
            }
            names.first().cloned().unwrap_or_default()
        }
    };
    let status = pod
        .status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.name == container))
        .cloned()
        .unwrap_or_default();
    let state = status.state.clone().unwrap_or_default();
    let last = status
        .last_state
        .as_ref()
        .and_then(|l| l.terminated.clone());

    let lines = if req.previous {
        let Some(last) = last else {
            out.stderr.push_str(&format!(
                "Error from server (BadRequest): previous terminated container \"{container}\" in pod \"{}\" not found\n",
                req.pod
            ));
            out.status = 1;
            return out;
        };
        ended_run(world, &key, pod, &container, &last)
    } else if let Some(r) = &state.running {
        let start = r
            .started_at
            .clone()
            .map(|t| t.0)
            .unwrap_or(Timestamp::UNIX_EPOCH);
        run_lines(pod, &container, start, world.clock().now())
    } else if let (Some(_), Some(last)) = (&state.waiting, last.clone()) {
        // Crash-looping: the logs of the run that just ended.
        ended_run(world, &key, pod, &container, &last)
    } else if let Some(w) = &state.waiting {
        let reason = w.reason.clone().unwrap_or_default();
        let why = match reason.as_str() {
            "ErrImagePull" | "ImagePullBackOff" => "trying and failing to pull image".to_string(),
            other => other.to_string(),
        };
        out.stderr.push_str(&format!(
            "Error from server (BadRequest): container \"{container}\" in pod \"{}\" is waiting to start: {why}\n",
            req.pod
        ));
        out.status = 1;
        return out;
    } else {
        Vec::new()
    };

    let skip = if req.tail >= 0 {
        lines.len().saturating_sub(req.tail as usize)
    } else {
        0
    };
    for (t, line) in lines.into_iter().skip(skip) {
        if req.timestamps {
            out.stdout
                .push_str(&t.strftime("%Y-%m-%dT%H:%M:%S%.9fZ ").to_string());
        }
        out.stdout.push_str(&line);
        out.stdout.push('\n');
    }
    out
}

/// The lines of a run that has ended, its exit reason last.
fn ended_run(
    world: &World,
    key: &ObjectKey,
    pod: &Pod,
    container: &str,
    last: &k8s_openapi::api::core::v1::ContainerStateTerminated,
) -> Vec<(Timestamp, String)> {
    let start = last
        .started_at
        .as_ref()
        .map(|t| t.0)
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let end = last.finished_at.as_ref().map(|t| t.0).unwrap_or(start);
    let mut lines = run_lines(pod, container, start, end);
    lines.extend(world.last_exit_log(key, container).map(|l| (end, l)));
    lines
}

/// The family of service an image runs, which decides its log style.
fn family(image: &str) -> &'static str {
    let repo = crate::scenario::split_image(image).0;
    let name = repo.rsplit('/').next().unwrap_or(repo);
    match name {
        "catalogue" | "payment" | "user" => "go",
        "front-end" => "node",
        "carts" | "orders" | "shipping" | "queue-master" => "java",
        "mongo" | "user-db" => "mongo",
        "catalogue-db" => "mysql",
        "redis" => "redis",
        "rabbitmq" => "rabbitmq",
        _ => "generic",
    }
}

fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Lines a container writes from `start` to `end`: its start-up banner, then one line per
/// probe request (Go and Node services log each request).
fn run_lines(
    pod: &Pod,
    container: &str,
    start: Timestamp,
    end: Timestamp,
) -> Vec<(Timestamp, String)> {
    let c = pod
        .spec
        .as_ref()
        .and_then(|s| s.containers.iter().find(|c| c.name == container));
    let image = c.and_then(|c| c.image.clone()).unwrap_or_default();
    let port = c
        .and_then(|c| c.ports.as_ref())
        .and_then(|p| p.first())
        .map(|p| p.container_port)
        .unwrap_or(80);
    let at = |ms: i64| {
        start
            .checked_add(k8s_openapi::jiff::SignedDuration::from_millis(ms))
            .unwrap_or(start)
    };
    let mut lines: Vec<(Timestamp, String)> = match family(&image) {
        "go" => vec![(
            at(12),
            format!(
                "ts={} caller=main.go:86 transport=HTTP port={port}",
                ts(at(12))
            ),
        )],
        "node" => vec![(
            at(450),
            format!("App now running in production mode on port {port}"),
        )],
        "java" => vec![
            (at(900), String::new()),
            (at(901), "  .   ____          _            __ _ _".into()),
            (
                at(902),
                ":: Spring Boot ::        (v1.4.4.RELEASE)".to_string(),
            ),
            (
                at(5200),
                format!(
                    "{} INFO [bootstrap,,,] 7 --- [           main] s.b.c.e.t.TomcatEmbeddedServletContainer : Tomcat started on port(s): {port} (http)",
                    start.strftime("%Y-%m-%d %H:%M:%S%.3f")
                ),
            ),
            (
                at(5300),
                format!(
                    "{} INFO [bootstrap,,,] 7 --- [           main] works.weave.socks.{container}.Application : Started Application in 4.83 seconds (JVM running for 5.31)",
                    start.strftime("%Y-%m-%d %H:%M:%S%.3f")
                ),
            ),
        ],
        "mongo" => vec![(
            at(300),
            format!(
                "{{\"t\":{{\"$date\":\"{}\"}},\"s\":\"I\",  \"c\":\"NETWORK\",  \"id\":23016,   \"ctx\":\"listener\",\"msg\":\"Waiting for connections\",\"attr\":{{\"port\":27017,\"ssl\":\"off\"}}}}",
                ts(at(300))
            ),
        )],
        "mysql" => vec![(at(2000), "mysqld: ready for connections.".into())],
        "redis" => vec![(at(100), "1:M * Ready to accept connections tcp".into())],
        "rabbitmq" => vec![(
            at(4000),
            " Server startup complete; 0 plugins started.".into(),
        )],
        _ => vec![],
    };

    // Probe traffic: one logged request per probe period while running.
    let probe = c.and_then(|c| c.readiness_probe.clone().or(c.liveness_probe.clone()));
    if let Some(p) = probe {
        let fam = family(&image);
        if fam == "go" || fam == "node" {
            let period = i64::from(p.period_seconds.unwrap_or(10)).max(1) * 1000;
            let first = i64::from(p.initial_delay_seconds.unwrap_or(0)) * 1000;
            let span = end.as_millisecond() - start.as_millisecond();
            let mut t = first;
            while t <= span {
                let when = at(t);
                let line = if fam == "go" {
                    format!(
                        "ts={} caller=logging.go:86 method=Health result=2 took=4.2µs",
                        ts(when)
                    )
                } else {
                    format!(
                        "GET {} 200 {} ms - 2",
                        p.http_get
                            .as_ref()
                            .and_then(|h| h.path.clone())
                            .unwrap_or_else(|| "/".into()),
                        1 + (t / period) % 4
                    )
                };
                lines.push((when, line));
                t += period;
            }
        }
    }
    lines.retain(|(t, _)| *t <= end);
    lines
}
