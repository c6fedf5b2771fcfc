//! The container sections shared by pod and pod-template descriptions.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, ContainerState, ContainerStatus, Probe, Volume};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Out, rfc1123z};

/// `Containers:` with each container's image, ports, command, state, resources, probes,
/// environment and mounts. `space` is the extra indent of a pod template.
pub(crate) fn containers(
    out: &mut Out,
    label: &str,
    containers: &[Container],
    statuses: Option<&Vec<ContainerStatus>>,
    space: &str,
) {
    out.write(0, &format!("{space}{label}:\n"));
    let by_name: BTreeMap<&str, &ContainerStatus> = statuses
        .into_iter()
        .flatten()
        .map(|s| (s.name.as_str(), s))
        .collect();
    for c in containers {
        let status = by_name.get(c.name.as_str()).copied();
        let name_indent = if space.is_empty() { "" } else { " " };
        out.write(1, &format!("{name_indent}{}:\n", c.name));
        if let Some(s) = status {
            out.write(
                2,
                &format!(
                    "Container ID:\t{}\n",
                    s.container_id.clone().unwrap_or_default()
                ),
            );
        }
        out.write(
            2,
            &format!("Image:\t{}\n", c.image.clone().unwrap_or_default()),
        );
        if let Some(s) = status {
            out.write(2, &format!("Image ID:\t{}\n", s.image_id));
        }
        let ports: Vec<String> = c
            .ports
            .iter()
            .flatten()
            .map(|p| {
                format!(
                    "{}/{}",
                    p.container_port,
                    p.protocol.clone().unwrap_or_else(|| "TCP".into())
                )
            })
            .collect();
        let host_ports: Vec<String> = c
            .ports
            .iter()
            .flatten()
            .map(|p| {
                format!(
                    "{}/{}",
                    p.host_port.unwrap_or(0),
                    p.protocol.clone().unwrap_or_else(|| "TCP".into())
                )
            })
            .collect();
        let (plabel, hlabel) = if ports.len() > 1 {
            ("Ports", "Host Ports")
        } else {
            ("Port", "Host Port")
        };
        out.write(
            2,
            &format!("{plabel}:\t{}\n", none_if_empty(&ports.join(", "))),
        );
        out.write(
            2,
            &format!("{hlabel}:\t{}\n", none_if_empty(&host_ports.join(", "))),
        );

        for (title, items) in [("Command", &c.command), ("Args", &c.args)] {
            if let Some(items) = items.as_ref().filter(|v| !v.is_empty()) {
                out.write(2, &format!("{title}:\n"));
                for item in items {
                    for line in item.split('\n') {
                        out.write(3, &format!("{line}\n"));
                    }
                }
            }
        }

        if let Some(s) = status {
            state(out, "State", s.state.as_ref());
            if s.last_state
                .as_ref()
                .and_then(|l| l.terminated.as_ref())
                .is_some()
            {
                state(out, "Last State", s.last_state.as_ref());
            }
            out.write(
                2,
                &format!("Ready:\t{}\n", if s.ready { "True" } else { "False" }),
            );
            out.write(2, &format!("Restart Count:\t{}\n", s.restart_count));
        }

        if let Some(r) = &c.resources {
            for (title, map) in [("Limits", &r.limits), ("Requests", &r.requests)] {
                if let Some(map) = map.as_ref().filter(|m| !m.is_empty()) {
                    out.write(2, &format!("{title}:\n"));
                    for (k, q) in map {
                        out.write(3, &format!("{k}:\t{}\n", q.0));
                    }
                }
            }
        }

        for (title, probe) in [
            ("Liveness", &c.liveness_probe),
            ("Readiness", &c.readiness_probe),
            ("Startup", &c.startup_probe),
        ] {
            if let Some(p) = probe {
                out.write(2, &format!("{title}:\t{}\n", describe_probe(p)));
            }
        }

        let env = c.env.clone().unwrap_or_default();
        out.write(
            2,
            &format!(
                "Environment:{}\n",
                if env.is_empty() { "\t<none>" } else { "" }
            ),
        );
        for e in &env {
            match &e.value_from {
                None => {
                    for (i, line) in e.value.clone().unwrap_or_default().split('\n').enumerate() {
                        if i == 0 {
                            out.write(3, &format!("{}:\t{line}\n", e.name));
                        } else {
                            out.write(3, &format!("\t{line}\n"));
                        }
                    }
                }
                Some(from) => {
                    let text = if let Some(f) = &from.field_ref {
                        format!(
                            "({}:{})",
                            f.api_version.clone().unwrap_or_else(|| "v1".into()),
                            f.field_path
                        )
                    } else if let Some(k) = &from.config_map_key_ref {
                        format!(
                            "<set to the key '{}' of config map '{}'>\tOptional: {}",
                            k.key,
                            k.name,
                            k.optional.unwrap_or(false)
                        )
                    } else if let Some(k) = &from.secret_key_ref {
                        format!(
                            "<set to the key '{}' in secret '{}'>\tOptional: {}",
                            k.key,
                            k.name,
                            k.optional.unwrap_or(false)
                        )
                    } else {
                        String::new()
                    };
                    out.write(3, &format!("{}:\t{text}\n", e.name));
                }
            }
        }

        let mut mounts = c.volume_mounts.clone().unwrap_or_default();
        mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
        out.write(
            2,
            &format!(
                "Mounts:{}\n",
                if mounts.is_empty() { "\t<none>" } else { "" }
            ),
        );
        for m in &mounts {
            let mut flags = vec![if m.read_only == Some(true) {
                "ro".to_string()
            } else {
                "rw".to_string()
            }];
            if let Some(sp) = m.sub_path.as_ref().filter(|s| !s.is_empty()) {
                flags.push(format!("path={sp:?}"));
            }
            out.write(
                3,
                &format!("{} from {} ({})\n", m.mount_path, m.name, flags.join(",")),
            );
        }
    }
}

fn none_if_empty(s: &str) -> &str {
    if s.is_empty() { "<none>" } else { s }
}

fn state(out: &mut Out, name: &str, state: Option<&ContainerState>) {
    let Some(state) = state else {
        out.write(2, &format!("{name}:\tWaiting\n"));
        return;
    };
    if let Some(r) = &state.running {
        out.write(2, &format!("{name}:\tRunning\n"));
        if let Some(t) = &r.started_at {
            out.write(3, &format!("Started:\t{}\n", rfc1123z(t)));
        }
    } else if let Some(w) = &state.waiting {
        out.write(2, &format!("{name}:\tWaiting\n"));
        if let Some(r) = w.reason.as_ref().filter(|r| !r.is_empty()) {
            out.write(3, &format!("Reason:\t{r}\n"));
        }
    } else if let Some(t) = &state.terminated {
        out.write(2, &format!("{name}:\tTerminated\n"));
        if let Some(r) = t.reason.as_ref().filter(|r| !r.is_empty()) {
            out.write(3, &format!("Reason:\t{r}\n"));
        }
        if let Some(m) = t.message.as_ref().filter(|m| !m.is_empty()) {
            out.write(3, &format!("Message:\t{m}\n"));
        }
        out.write(3, &format!("Exit Code:\t{}\n", t.exit_code));
        if let Some(s) = t.signal.filter(|s| *s > 0) {
            out.write(3, &format!("Signal:\t{s}\n"));
        }
        let fmt = |t: &Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| {
            t.as_ref()
                .map(rfc1123z)
                .unwrap_or_else(|| "Mon, 01 Jan 0001 00:00:00 +0000".into())
        };
        out.write(3, &format!("Started:\t{}\n", fmt(&t.started_at)));
        out.write(3, &format!("Finished:\t{}\n", fmt(&t.finished_at)));
    } else {
        out.write(2, &format!("{name}:\tWaiting\n"));
    }
}

/// A probe as `describe` prints it: `http-get http://:80/health delay=10s timeout=1s period=3s
/// #success=1 #failure=3`.
pub(crate) fn describe_probe(p: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.timeout_seconds.unwrap_or(1),
        p.period_seconds.unwrap_or(10),
        p.success_threshold.unwrap_or(1),
        p.failure_threshold.unwrap_or(3)
    );
    if let Some(e) = &p.exec {
        return format!(
            "exec [{}] {attrs}",
            e.command.clone().unwrap_or_default().join(" ")
        );
    }
    if let Some(h) = &p.http_get {
        let port = match &h.port {
            IntOrString::Int(i) => i.to_string(),
            IntOrString::String(s) => s.clone(),
        };
        let host = h.host.clone().unwrap_or_default();
        let scheme = h
            .scheme
            .clone()
            .unwrap_or_else(|| "HTTP".into())
            .to_lowercase();
        return format!(
            "http-get {scheme}://{host}:{port}{} {attrs}",
            h.path.clone().unwrap_or_default()
        );
    }
    if let Some(t) = &p.tcp_socket {
        let port = match &t.port {
            IntOrString::Int(i) => i.to_string(),
            IntOrString::String(s) => s.clone(),
        };
        return format!(
            "tcp-socket {}:{port} {attrs}",
            t.host.clone().unwrap_or_default()
        );
    }
    if let Some(g) = &p.grpc {
        return format!(
            "grpc <pod>:{} {} {attrs}",
            g.port,
            g.service.clone().unwrap_or_default()
        );
    }
    format!("unknown {attrs}")
}

/// `Volumes:` with each volume's source.
pub(crate) fn volumes(out: &mut Out, volumes: Option<&Vec<Volume>>, space: &str) {
    let list = volumes.cloned().unwrap_or_default();
    if list.is_empty() {
        out.write(0, &format!("{space}Volumes:\t<none>\n"));
        return;
    }
    out.write(0, &format!("{space}Volumes:\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in &list {
        out.write(1, &format!("{name_indent}{}:\n", v.name));
        if let Some(e) = &v.empty_dir {
            let limit = e
                .size_limit
                .as_ref()
                .map(|q| q.0.clone())
                .filter(|q| q != "0")
                .unwrap_or_else(|| "<unset>".into());
            out.write(
                2,
                &format!(
                    "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{limit}\n",
                    e.medium.clone().unwrap_or_default()
                ),
            );
        } else if let Some(p) = &v.projected {
            out.write(
                2,
                "Type:\tProjected (a volume that contains injected data from multiple sources)\n",
            );
            for s in p.sources.iter().flatten() {
                if let Some(t) = &s.service_account_token {
                    out.write(
                        2,
                        &format!(
                            "TokenExpirationSeconds:\t{}\n",
                            t.expiration_seconds.unwrap_or(3600)
                        ),
                    );
                } else if let Some(c) = &s.config_map {
                    // kubectl 1.32 prints the pointer as Go's %v does: `<nil>` when unset.
                    let optional = c.optional.map_or("<nil>".to_string(), |b| b.to_string());
                    out.write(
                        2,
                        &format!(
                            "ConfigMapName:\t{}\n    ConfigMapOptional:\t{optional}\n",
                            c.name
                        ),
                    );
                } else if s.downward_api.is_some() {
                    out.write(2, "DownwardAPI:\ttrue\n");
                }
            }
        } else if let Some(c) = &v.config_map {
            out.write(
                2,
                &format!(
                    "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
                    c.name,
                    c.optional.unwrap_or(false)
                ),
            );
        } else if let Some(s) = &v.secret {
            out.write(
                2,
                &format!(
                    "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
                    s.secret_name.clone().unwrap_or_default(),
                    s.optional.unwrap_or(false)
                ),
            );
        } else {
            out.write(2, "<unknown>\n");
        }
    }
}
