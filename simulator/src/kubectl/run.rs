//! The interpreter: a parsed kubectl command line run against a world, every verb answering with
//! kubectl's own output and errors.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use super::cli::{self, Invocation, OutputFormat, ResourceRef, TypeRef, Verb};
use super::describe;
use super::get::{self, GetRequest, Target};
use super::logs::{self, LogsRequest};
use super::output::CommandOutput;
use super::resources::{ALL_CATEGORY, ResourceKind};
use super::selector::Selector;
use super::{apply, patch};
use crate::clock::Millis;
use crate::manifest;
use crate::world::ops::{ApiError, Edit};
use crate::world::{Object, World};

/// The kubectl release the interpreter reproduces, as `kubectl version` prints it.
pub const CLIENT_VERSION: &str = "v1.32.5";

/// Virtual time every command takes before it acts: the round trip of a client.
pub const COMMAND_LATENCY: Millis = Millis(1000);

/// The longest a waiting command waits in virtual time: `delete`'s wait for pods to go, and
/// what `rollout status` waits beyond the deployment's progress deadline.
const WAIT_LIMIT: Millis = Millis::from_secs(600);

impl World {
    /// Runs one kubectl command line (the words after `kubectl`) against the world.
    ///
    /// # Guarantees
    /// Never panics on any input: malformed lines get kubectl's own error text and status.
    pub fn kubectl(&mut self, args: &[String]) -> CommandOutput {
        self.advance(COMMAND_LATENCY);
        self.kubectl_now(args)
    }

    /// Runs one kubectl command line at the current virtual instant, without the
    /// [`COMMAND_LATENCY`] that [`World::kubectl`] lets pass first: the in-process side of a
    /// comparison with a real kubectl talking to [`crate::server`], where the harness moves
    /// the clock itself.
    ///
    /// # Guarantees
    /// As [`World::kubectl`].
    pub fn kubectl_now(&mut self, args: &[String]) -> CommandOutput {
        let inv = match cli::parse(args) {
            Ok(inv) => inv,
            Err(e) => {
                let r = e.render();
                return CommandOutput {
                    stdout: r.stdout,
                    stderr: r.stderr,
                    status: r.exit_code,
                };
            }
        };
        let ns = inv.namespace().unwrap_or("default").to_string();
        let result = match inv.verb {
            Verb::Get => self.cmd_get(&inv, &ns),
            Verb::Describe => self.cmd_describe(&inv, &ns),
            Verb::Logs => self.cmd_logs(&inv, &ns),
            Verb::TopPod | Verb::TopNode => Ok(crate::kubectl::top::top(self, &inv, &ns)),
            Verb::Scale => self.cmd_scale(&inv, &ns),
            Verb::SetImage | Verb::SetEnv | Verb::SetResources => self.cmd_set(&inv, &ns),
            Verb::RolloutStatus => self.cmd_rollout_status(&inv, &ns),
            Verb::RolloutRestart | Verb::RolloutUndo | Verb::RolloutPause | Verb::RolloutResume => {
                self.cmd_rollout_change(&inv, &ns)
            }
            Verb::RolloutHistory => self.cmd_rollout_history(&inv, &ns),
            Verb::Autoscale => self.cmd_autoscale(&inv, &ns),
            Verb::Patch => self.cmd_patch(&inv, &ns),
            Verb::Label | Verb::Annotate => self.cmd_metadata(&inv, &ns),
            Verb::Delete => self.cmd_delete(&inv, &ns),
            Verb::Apply | Verb::Create => self.cmd_apply(&inv, &ns),
            Verb::Version => Ok(self.cmd_version(&inv)),
            Verb::ApiResources => Ok(cmd_api_resources(
                &inv,
                self.scenario().file.cluster.metrics_server,
            )),
            Verb::ConfigCurrentContext => Ok(CommandOutput::ok(format!(
                "{}\n",
                self.scenario().file.cluster.context
            ))),
            Verb::ClusterInfo => Ok(CommandOutput::ok(
                "Kubernetes control plane is running at https://127.0.0.1:6443\nCoreDNS is running at https://127.0.0.1:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n",
            )),
            Verb::Explain => Ok(CommandOutput::error(
                "error: explain is not supported by the simulator\n",
            )),
        };
        result.unwrap_or_else(|e| e)
    }
}

/// A command's early failure, already rendered.
type Step<T> = Result<T, CommandOutput>;

fn api_err(e: &ApiError) -> CommandOutput {
    CommandOutput::error(e.kubectl_line())
}

fn message(text: impl std::fmt::Display) -> CommandOutput {
    CommandOutput::error(format!("error: {text}\n"))
}

/// The served type of a resource reference, or kubectl's error for one the server lacks.
fn served_kind(r: &ResourceRef) -> Step<Option<ResourceKind>> {
    match &r.type_ref {
        TypeRef::Known(t) => Ok(ResourceKind::resolve(t.plural)),
        TypeRef::Unknown(word) => Err(message(format!(
            "the server doesn't have a resource type \"{word}\""
        ))),
        TypeRef::All => Ok(None),
    }
}

fn selector_of(inv: &Invocation) -> Step<Selector> {
    Selector::parse(inv.flags.str("selector")).map_err(message)
}

/// The label selector of a listing verb. kubectl hands the selector to the API server
/// unparsed, so a malformed one comes back as the server's `BadRequest`, which kubectl words
/// as "Unable to find" the listed type.
fn list_selector(inv: &Invocation, kind: Option<ResourceKind>) -> Step<Selector> {
    Selector::parse(inv.flags.str("selector")).map_err(|e| bad_listing(inv, kind, e))
}

/// The server's `BadRequest` for a listing with a malformed label or field selector, as
/// kubectl words it.
fn bad_listing(
    inv: &Invocation,
    kind: Option<ResourceKind>,
    e: impl std::fmt::Display,
) -> CommandOutput {
    match kind {
        Some(k) => {
            let info = k.info();
            CommandOutput::error(format!(
                "Error from server (BadRequest): Unable to find \"{}/{}, Resource={}\" that match label selector \"{}\", field selector \"{}\": {e}\n",
                info.group,
                info.version,
                info.plural,
                inv.flags.str("selector"),
                inv.flags.str("field-selector"),
            ))
        }
        None => message(e),
    }
}

/// The single `TYPE NAME` or `TYPE/NAME` a command acts on, as a served kind and a name.
fn single_target(
    inv: &Invocation,
    default_kind: Option<ResourceKind>,
) -> Step<Vec<(ResourceKind, String)>> {
    let refs = inv.resources().map_err(|e| {
        let r = e.render();
        CommandOutput {
            stdout: r.stdout,
            stderr: r.stderr,
            status: r.exit_code,
        }
    })?;
    let mut out = Vec::new();
    for r in &refs {
        let kind = match served_kind(r)? {
            Some(k) => k,
            None => match (&r.type_ref, default_kind) {
                (TypeRef::Known(t), _) => {
                    return Err(CommandOutput::error(format!(
                        "Error from server (NotFound): {} \"{}\" not found\n",
                        t.qualified_plural(),
                        r.name.clone().unwrap_or_default()
                    )));
                }
                (_, Some(k)) => k,
                _ => {
                    return Err(message(
                        "resource(s) were provided, but no name was specified",
                    ));
                }
            },
        };
        match &r.name {
            Some(n) => out.push((kind, n.clone())),
            None => {
                return Err(message(
                    "resource(s) were provided, but no name was specified",
                ));
            }
        }
    }
    if out.is_empty() {
        return Err(message(
            "resource(s) were provided, but no name was specified",
        ));
    }
    Ok(out)
}

impl World {
    fn cmd_get(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        let refs = inv.resources().map_err(render_cli)?;
        let mut targets: Vec<Target> = Vec::new();
        let mut missing = String::new();
        let mut types = 0;
        let mut with_all = false;
        for r in &refs {
            match &r.type_ref {
                TypeRef::All => {
                    with_all = true;
                    for k in ALL_CATEGORY {
                        push_target(&mut targets, *k, None);
                    }
                }
                TypeRef::Unknown(word) => {
                    return Err(message(format!(
                        "the server doesn't have a resource type \"{word}\""
                    )));
                }
                TypeRef::Known(t) => match ResourceKind::resolve(t.plural) {
                    Some(k) => push_target(&mut targets, k, r.name.clone()),
                    None => {
                        // A type a real cluster serves but the simulated one holds none of.
                        if let Some(n) = &r.name {
                            missing.push_str(&format!(
                                "Error from server (NotFound): {} \"{n}\" not found\n",
                                t.qualified_plural()
                            ));
                        }
                        types += 1;
                    }
                },
            }
        }
        types += targets.len();
        let output = match OutputFormat::parse(inv.flags.str("output"), cli::GET_FORMATS) {
            Ok(o) => o,
            Err(e) => return Err(message(e)),
        };
        let output = match output {
            OutputFormat::Default => get::OutputFormat::Table,
            OutputFormat::Wide => get::OutputFormat::Wide,
            OutputFormat::Json => get::OutputFormat::Json,
            OutputFormat::Yaml => get::OutputFormat::Yaml,
            OutputFormat::Name => get::OutputFormat::Name,
            OutputFormat::JsonPath(t) => get::OutputFormat::JsonPath(t),
            OutputFormat::JsonPathAsJson(t) => get::OutputFormat::JsonPathAsJson(t),
            OutputFormat::CustomColumns(t) => get::OutputFormat::CustomColumns(t),
            other => {
                return Err(message(format!(
                    "output format {other:?} is not supported by the simulator"
                )));
            }
        };
        let req_kind = targets.first().map(|t| t.kind);
        let req = GetRequest {
            targets,
            with_kind: with_all || types > 1,
            namespace: ns.to_string(),
            all_namespaces: inv.flags.bool("all-namespaces"),
            selector: list_selector(inv, req_kind)?,
            output,
            show_labels: inv.flags.bool("show-labels"),
            no_headers: inv.flags.bool("no-headers"),
            label_columns: inv
                .flags
                .list("label-columns")
                .iter()
                .flat_map(|s| s.split(',').map(str::to_string))
                .collect(),
            field_selector: super::fields::parse(inv.flags.str("field-selector"))
                .map_err(|e| bad_listing(inv, req_kind, e))?,
            sort_by: Some(inv.flags.str("sort-by").to_string()).filter(|s| !s.is_empty()),
            allow_missing_keys: inv.flags.bool("allow-missing-template-keys"),
        };
        let mut out = get::get(self, &req);
        if !missing.is_empty() {
            out.stderr.push_str(&missing);
            out.status = 1;
        }
        Ok(out)
    }

    fn cmd_describe(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        let refs = inv.resources().map_err(render_cli)?;
        let selector = selector_of(inv)?;
        let mut texts = Vec::new();
        let mut errors = String::new();
        for r in &refs {
            let Some(kind) = served_kind(r)? else {
                continue;
            };
            let names: Vec<String> = match &r.name {
                Some(n) => {
                    if self.get(kind, ns, n).is_some() {
                        vec![n.clone()]
                    } else {
                        // describe falls back to every object whose name starts with the word.
                        let prefixed: Vec<String> = self
                            .list(kind, Some(ns), &selector)
                            .iter()
                            .map(|o| o.name().to_string())
                            .filter(|x| x.starts_with(n.as_str()))
                            .collect();
                        if prefixed.is_empty() {
                            errors.push_str(&format!(
                                "Error from server (NotFound): {} \"{n}\" not found\n",
                                kind.qualified_plural()
                            ));
                        }
                        prefixed
                    }
                }
                None => self
                    .list(kind, Some(ns), &selector)
                    .iter()
                    .map(|o| o.name().to_string())
                    .collect(),
            };
            for n in names {
                let o = describe::describe(self, kind, ns, &n);
                if o.success() {
                    texts.push(o.stdout);
                } else {
                    errors.push_str(&o.stderr);
                }
            }
        }
        let mut out = CommandOutput::ok(texts.join("\n\n"));
        if texts.is_empty() && errors.is_empty() {
            out.stderr = format!("No resources found in {ns} namespace.\n");
        }
        if !errors.is_empty() {
            out.stderr.push_str(&errors);
            out.status = 1;
        }
        Ok(out)
    }

    fn cmd_logs(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        let mut prefix = String::new();
        let pod = if !inv.flags.str("selector").is_empty() {
            let selector = selector_of(inv)?;
            let pods = self.list(ResourceKind::Pod, Some(ns), &selector);
            match pods.first() {
                Some(p) => p.name().to_string(),
                None => return Ok(CommandOutput::ok("")),
            }
        } else {
            let word = &inv.args[0];
            match word.split_once('/') {
                None => word.clone(),
                Some((kind, name)) => match ResourceKind::resolve(kind) {
                    Some(ResourceKind::Pod) => name.to_string(),
                    Some(
                        k @ (ResourceKind::Deployment
                        | ResourceKind::ReplicaSet
                        | ResourceKind::Service),
                    ) => {
                        let Some(o) = self.get(k, ns, name) else {
                            return Err(CommandOutput::error(format!(
                                "error: error from server (NotFound): {} \"{name}\" not found in namespace \"{ns}\"\n",
                                k.qualified_plural()
                            )));
                        };
                        let labels = selector_labels(&o);
                        let pods =
                            self.list(ResourceKind::Pod, Some(ns), &Selector::from_labels(&labels));
                        if pods.len() > 1 {
                            prefix = format!(
                                "Found {} pods, using pod/{}\n",
                                pods.len(),
                                pods[0].name()
                            );
                        }
                        match pods.first() {
                            Some(p) => p.name().to_string(),
                            None => {
                                return Err(message("timed out waiting for the condition"));
                            }
                        }
                    }
                    _ => return Err(message(format!("cannot get the logs from {kind}"))),
                },
            }
        };
        let container = inv
            .args
            .get(1)
            .cloned()
            .or_else(|| Some(inv.flags.str("container").to_string()).filter(|c| !c.is_empty()));
        let req = LogsRequest {
            namespace: ns.to_string(),
            pod,
            container,
            previous: inv.flags.bool("previous"),
            tail: if inv.flags.is_set("tail") {
                inv.flags.int("tail")
            } else {
                -1
            },
            timestamps: inv.flags.bool("timestamps"),
        };
        let mut out = logs::logs(self, &req);
        out.stderr.insert_str(0, &prefix);
        Ok(out)
    }

    fn cmd_scale(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        let replicas = inv.flags.int("replicas");
        let targets = single_target(inv, None)?;
        // kubectl reads every target before scaling any; a missing one ends the command
        // with the read's error wrapped in its own words.
        if let Some((kind, name)) = targets.iter().find(|(k, n)| self.get(*k, ns, n).is_none()) {
            return Err(message(format!(
                "no objects passed to scale {}",
                ApiError::not_found(*kind, name).message
            )));
        }
        let mut out = CommandOutput::default();
        for (kind, name) in targets {
            if inv.flags.is_set("current-replicas") {
                let current = match self.get(kind, ns, &name) {
                    Some(Object::Deployment(d)) => {
                        d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
                    }
                    Some(Object::ReplicaSet(r)) => {
                        r.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
                    }
                    _ => -1,
                };
                let want = inv.flags.int("current-replicas");
                if current >= 0 && i64::from(current) != want {
                    out.stderr.push_str(&format!(
                        "error: Expected replicas to be {want}, was {current}\n"
                    ));
                    out.status = 1;
                    continue;
                }
            }
            match self.scale(
                kind,
                ns,
                &name,
                replicas.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
            ) {
                Ok(()) => out
                    .stdout
                    .push_str(&format!("{}/{name} scaled\n", kind.qualified_kind())),
                Err(e) => {
                    out.stderr.push_str(&e.kubectl_line());
                    out.status = 1;
                }
            }
        }
        Ok(out)
    }

    fn cmd_set(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        // Positionals: resources first, then `name=value` updates.
        let (resources, updates): (Vec<String>, Vec<String>) = inv
            .args
            .iter()
            .cloned()
            .partition(|a| !(a.contains('=') || inv.verb == Verb::SetEnv && a.ends_with('-')));
        let refs = cli::resources_of(&resources).map_err(render_cli)?;
        let mut out = CommandOutput::default();
        for r in &refs {
            let Some(kind) = served_kind(r)? else {
                continue;
            };
            let Some(name) = r.name.clone() else {
                return Err(message(
                    "resource(s) were provided, but no name was specified",
                ));
            };
            if kind != ResourceKind::Deployment {
                out.stderr.push_str(&format!(
                    "error: {}/{name} is not supported by the simulator's set commands\n",
                    kind.qualified_kind()
                ));
                out.status = 1;
                continue;
            }
            let container_filter = inv.flags.str("containers").to_string();
            let result = match inv.verb {
                Verb::SetImage => self.edit_template(ns, &name, |t| {
                    for u in &updates {
                        let (cname, image) = u.split_once('=').expect("partitioned on '='");
                        let spec = t.spec.get_or_insert_with(Default::default);
                        if cname == "*" {
                            for c in &mut spec.containers {
                                c.image = Some(image.to_string());
                            }
                            continue;
                        }
                        let c = spec
                            .containers
                            .iter_mut()
                            .find(|c| c.name == cname)
                            .ok_or_else(|| format!("unable to find container named \"{cname}\""))?;
                        c.image = Some(image.to_string());
                    }
                    Ok(())
                }),
                Verb::SetEnv => self.edit_template(ns, &name, |t| {
                    let spec = t.spec.get_or_insert_with(Default::default);
                    for c in &mut spec.containers {
                        if !container_filter.is_empty()
                            && container_filter != "*"
                            && c.name != container_filter
                        {
                            continue;
                        }
                        for u in &updates {
                            match u.split_once('=') {
                                Some((k, v)) => crate::world::set_env(c, k, Some(v)),
                                None => crate::world::set_env(c, u.trim_end_matches('-'), None),
                            }
                        }
                    }
                    Ok(())
                }),
                _ => {
                    let limits = parse_resource_list(inv.flags.str("limits")).map_err(message)?;
                    let requests =
                        parse_resource_list(inv.flags.str("requests")).map_err(message)?;
                    self.edit_template(ns, &name, |t| {
                        let spec = t.spec.get_or_insert_with(Default::default);
                        for c in &mut spec.containers {
                            if !container_filter.is_empty()
                                && container_filter != "*"
                                && c.name != container_filter
                            {
                                continue;
                            }
                            let r = c
                                .resources
                                .get_or_insert_with(ResourceRequirements::default);
                            if !limits.is_empty() {
                                r.limits
                                    .get_or_insert_with(BTreeMap::new)
                                    .extend(limits.clone());
                            }
                            if !requests.is_empty() {
                                r.requests
                                    .get_or_insert_with(BTreeMap::new)
                                    .extend(requests.clone());
                            }
                        }
                        Ok(())
                    })
                }
            };
            match result {
                Ok(Edit::Changed) => {
                    let what = match inv.verb {
                        Verb::SetImage => "image updated",
                        Verb::SetEnv => "env updated",
                        _ => "resource requirements updated",
                    };
                    out.stdout
                        .push_str(&format!("deployment.apps/{name} {what}\n"));
                }
                Ok(Edit::Unchanged) => {}
                Err(e) => push_error(&mut out, &e),
            }
        }
        Ok(out)
    }

    fn cmd_rollout_status(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        let targets = single_target(inv, None)?;
        let (kind, name) = targets[0].clone();
        if kind != ResourceKind::Deployment {
            return Err(message(format!(
                "no status viewer has been implemented for {}",
                kind.info().kind_name
            )));
        }
        if self.deployment(ns, &name).is_none() {
            return Err(api_err(&ApiError::not_found(kind, &name)));
        }
        let timeout = inv.flags.duration("timeout");
        // Without --timeout kubectl waits until the rollout completes or the deployment reports
        // its progress deadline exceeded. The interpreter bounds the wait at the deadline plus
        // WAIT_LIMIT (a rollout that keeps making progress, or a paused one, may run longer),
        // and reports reaching the bound as kubectl reports an expired --timeout.
        let deadline = self
            .deployment(ns, &name)
            .and_then(|d| d.spec.as_ref()?.progress_deadline_seconds)
            .unwrap_or(600);
        let limit = if timeout.as_nanos() > 0 {
            Millis(timeout.as_nanos() / 1_000_000)
        } else {
            Millis::from_secs(i64::from(deadline)) + WAIT_LIMIT
        };
        // kubectl prints the status of the deployment as it lists it, then once for every
        // change a watch on it reports (the same line again when the change left the counts
        // as they were), until the rollout is done: time passes a second at a time up to the
        // deployment's next change, as a watch on the served world lets it pass.
        let watch = inv.flags.bool("watch");
        let mut out = CommandOutput::default();
        let end = self.clock().elapsed() + limit;
        loop {
            match rollout_message(self, ns, &name) {
                Rollout::Done(done) => {
                    out.stdout.push_str(&done);
                    return Ok(out);
                }
                Rollout::Failed(error) => {
                    out.stderr.push_str(&error);
                    out.status = 1;
                    return Ok(out);
                }
                Rollout::Waiting(waiting) => out.stdout.push_str(&waiting),
            }
            if !watch {
                return Ok(out);
            }
            let seen = deployment_version(self, ns, &name);
            let left = end - self.clock().elapsed();
            let changed = left > Millis(0)
                && self.advance_until(left, |w| deployment_version(w, ns, &name) != seen);
            if !changed {
                out.stderr
                    .push_str("error: timed out waiting for the condition\n");
                out.status = 1;
                return Ok(out);
            }
            if self.deployment(ns, &name).is_none() {
                out.stderr.push_str("error: object has been deleted\n");
                out.status = 1;
                return Ok(out);
            }
        }
    }

    fn cmd_rollout_change(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        let targets = single_target(inv, None)?;
        let mut out = CommandOutput::default();
        for (kind, name) in targets {
            if kind != ResourceKind::Deployment {
                out.stderr.push_str(&format!(
                    "error: {}/{name} is not supported by the simulator's rollout commands\n",
                    kind.qualified_kind()
                ));
                out.status = 1;
                continue;
            }
            let result = match inv.verb {
                Verb::RolloutRestart => self
                    .rollout_restart(ns, &name)
                    .map(|()| "restarted".to_string()),
                Verb::RolloutUndo => {
                    let to = inv.flags.int("to-revision");
                    self.rollout_undo(ns, &name, Some(to)).map(|r| match r {
                        Ok(()) => "rolled back".to_string(),
                        Err(rev) => format!(
                            "skipped rollback (current template already matches revision {rev})"
                        ),
                    })
                }
                Verb::RolloutPause => self.set_paused(ns, &name, true).and_then(|e| match e {
                    Edit::Changed => Ok("paused".to_string()),
                    Edit::Unchanged => Err(ApiError::bad_request(format!(
                        "deployments.apps \"{name}\" is already paused"
                    ))),
                }),
                _ => self.set_paused(ns, &name, false).and_then(|e| match e {
                    Edit::Changed => Ok("resumed".to_string()),
                    Edit::Unchanged => Err(ApiError::bad_request(format!(
                        "deployments.apps \"{name}\" is not paused"
                    ))),
                }),
            };
            match result {
                Ok(word) => out
                    .stdout
                    .push_str(&format!("deployment.apps/{name} {word}\n")),
                Err(e) => push_error(&mut out, &e),
            }
        }
        Ok(out)
    }

    fn cmd_rollout_history(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        let targets = single_target(inv, None)?;
        let (_, name) = targets[0].clone();
        let history = self.rollout_history(ns, &name).map_err(|e| api_err(&e))?;
        let revision = inv.flags.int("revision");
        if revision > 0 {
            let Some((_, template, _)) = history.iter().find(|(r, _, _)| *r == revision) else {
                return Err(message("unable to find the specified revision"));
            };
            let body = crate::kubectl::describe::pod_template(template);
            return Ok(CommandOutput::ok(format!(
                "deployment.apps/{name} with revision #{revision}\n{body}\n"
            )));
        }
        let mut w = super::tabwriter::TabWriter::new(super::tabwriter::TabConfig::KUBECTL_DESCRIBE);
        w.write_str("REVISION\tCHANGE-CAUSE\n");
        for (rev, _, cause) in &history {
            w.write_str(&format!(
                "{rev}\t{}\n",
                cause.clone().unwrap_or_else(|| "<none>".into())
            ));
        }
        Ok(CommandOutput::ok(format!(
            "deployment.apps/{name} \n{}\n",
            w.finish()
        )))
    }

    fn cmd_autoscale(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        let targets = single_target(inv, None)?;
        let (kind, name) = targets[0].clone();
        if kind != ResourceKind::Deployment {
            return Err(message(format!(
                "cannot autoscale a {}",
                kind.info().kind_name
            )));
        }
        let min = inv.flags.int("min");
        let max = inv.flags.int("max");
        let cpu = inv.flags.int("cpu-percent");
        let min = (min > 0).then_some(min as i32);
        let cpu = (cpu > 0).then_some(cpu as i32);
        self.autoscale(ns, &name, min, max as i32, cpu)
            .map_err(|e| api_err(&e))?;
        Ok(CommandOutput::ok(format!(
            "horizontalpodautoscaler.autoscaling/{name} autoscaled\n"
        )))
    }

    fn cmd_patch(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        let targets = single_target(inv, None)?;
        let (kind, name) = targets[0].clone();
        let patch_type = inv.flags.str("type").to_string();
        let patch = inv.flags.str("patch").to_string();
        let outcome = crate::kubectl::patch::patch(self, kind, ns, &name, &patch_type, &patch)?;
        Ok(CommandOutput::ok(format!(
            "{}/{name} patched{}\n",
            kind.qualified_kind(),
            if outcome == Edit::Unchanged {
                " (no change)"
            } else {
                ""
            }
        )))
    }

    fn cmd_metadata(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        let annotations = inv.verb == Verb::Annotate;
        let (resources, changes): (Vec<String>, Vec<String>) = inv
            .args
            .iter()
            .cloned()
            .partition(|a| !a.contains('=') && !a.ends_with('-'));
        let changes: Vec<(String, Option<String>)> = changes
            .iter()
            .map(|c| match c.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (c.trim_end_matches('-').to_string(), None),
            })
            .collect();
        if changes.is_empty() {
            return Err(message("at least one label update is required"));
        }
        let refs = cli::resources_of(&resources).map_err(render_cli)?;
        let selector = selector_of(inv)?;
        let all = inv.flags.bool("all");
        let mut targets: Vec<(ResourceKind, String)> = Vec::new();
        for r in &refs {
            let Some(kind) = served_kind(r)? else {
                continue;
            };
            match &r.name {
                Some(n) => targets.push((kind, n.clone())),
                None if all || !selector.is_empty() => {
                    let ns_filter = kind.info().namespaced.then_some(ns);
                    for o in self.list(kind, ns_filter, &selector) {
                        targets.push((kind, o.name().to_string()));
                    }
                }
                None => {
                    return Err(message(
                        "resource(s) were provided, but no name was specified",
                    ));
                }
            }
        }
        let overwrite = inv.flags.bool("overwrite");
        let mut out = CommandOutput::default();
        for (kind, name) in targets {
            let before = self.labels_length(kind, ns, &name);
            match self.set_metadata(kind, ns, &name, annotations, &changes, overwrite) {
                Ok(edit) => {
                    // kubectl says "unlabeled" when, without --overwrite, the edit made the
                    // object shorter.
                    let shorter = self.labels_length(kind, ns, &name) < before;
                    let word = match (annotations, edit) {
                        (true, _) => "annotated",
                        (false, Edit::Changed) if shorter && !overwrite => "unlabeled",
                        (false, Edit::Changed) => "labeled",
                        (false, Edit::Unchanged) => "not labeled",
                    };
                    out.stdout
                        .push_str(&format!("{}/{name} {word}\n", kind.qualified_kind()));
                }
                Err(e) => push_error(&mut out, &e),
            }
        }
        Ok(out)
    }

    /// The length of an object's labels as JSON (0 without labels).
    fn labels_length(&self, kind: ResourceKind, ns: &str, name: &str) -> usize {
        self.get(kind, ns, name)
            .and_then(|o| o.meta().labels.clone())
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::to_string(&l).map(|t| t.len()).unwrap_or(0))
            .unwrap_or(0)
    }

    fn cmd_delete(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        let refs = inv.resources().map_err(render_cli)?;
        let selector = selector_of(inv)?;
        let all = inv.flags.bool("all");
        let mut targets: Vec<(ResourceKind, String)> = Vec::new();
        let mut out = CommandOutput::default();
        for r in &refs {
            let Some(kind) = served_kind(r)? else {
                continue;
            };
            match &r.name {
                Some(n) => targets.push((kind, n.clone())),
                None if all || !selector.is_empty() => {
                    for o in self.list(kind, Some(ns), &selector) {
                        targets.push((kind, o.name().to_string()));
                    }
                }
                None => {
                    return Err(message(
                        "resource(s) were provided, but no name was specified",
                    ));
                }
            }
        }
        if targets.is_empty() {
            out.stderr.push_str("No resources found\n");
            return Ok(out);
        }
        let grace = inv
            .flags
            .is_set("grace-period")
            .then(|| inv.flags.int("grace-period"));
        let force = inv.flags.bool("force");
        let grace = if force {
            Some(grace.unwrap_or(0).max(0))
        } else {
            grace.filter(|g| *g >= 0)
        };
        if force && grace == Some(0) {
            out.stderr.push_str("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n");
        }
        let mut deleted_pods = Vec::new();
        for (kind, name) in targets {
            match self.delete(kind, ns, &name, grace) {
                Ok(()) => {
                    let forced = if force && grace == Some(0) {
                        " force"
                    } else {
                        ""
                    };
                    out.stdout.push_str(&format!(
                        "{} \"{name}\"{forced} deleted\n",
                        kind.qualified_kind()
                    ));
                    if kind == ResourceKind::Pod {
                        deleted_pods.push(name);
                    }
                }
                Err(e) => {
                    out.stderr.push_str(&e.kubectl_line());
                    out.status = 1;
                }
            }
        }
        // kubectl waits until deleted pods are gone (--wait defaults to true).
        if inv.flags.bool("wait") && !deleted_pods.is_empty() {
            self.wait_pods_gone(ns, &deleted_pods, WAIT_LIMIT);
        }
        Ok(out)
    }

    fn cmd_apply(&mut self, inv: &Invocation, ns: &str) -> Step<CommandOutput> {
        let files = inv.flags.list("filename").to_vec();
        if files.is_empty() {
            return Err(message("must specify one of -f and -k"));
        }
        let create = inv.verb == Verb::Create;
        let mut out = CommandOutput::default();
        let files: Vec<String> = files
            .into_iter()
            .flat_map(|f| match self.scenario().file_text(&f) {
                Some(_) => vec![f],
                None => self.scenario().dir_files(&f).unwrap_or_else(|| vec![f]),
            })
            .collect();
        for file in files {
            let Some(text) = self.scenario().file_text(&file) else {
                out.stderr
                    .push_str(&format!("error: the path \"{file}\" does not exist\n"));
                out.status = 1;
                continue;
            };
            let objects = match manifest::parse_documents_raw(&text, &file) {
                Ok(o) => o,
                Err(e) => {
                    out.stderr
                        .push_str(&format!("error: error parsing {file}: {e}\n"));
                    out.status = 1;
                    continue;
                }
            };
            for (mut raw, mut object) in objects {
                set_default_namespace(&mut object, ns);
                if let Some(n) =
                    crate::world::manifest_meta(&object).and_then(|m| m.namespace.clone())
                {
                    apply::set_raw_namespace(&mut raw, &n);
                }
                let kind = ResourceKind::resolve(object.kind());
                let name = crate::world::manifest_name(&object);
                let label = kind
                    .map(|k| k.qualified_kind())
                    .unwrap_or_else(|| object.kind().to_ascii_lowercase());
                let object_ns = match kind {
                    Some(k) if !k.info().namespaced => String::new(),
                    _ => object_namespace(&object, ns),
                };
                let current =
                    kind.and_then(|k| self.get(k, &object_ns, &name).map(|o| o.to_json()));
                if create && let (Some(k), Some(_)) = (kind, &current) {
                    out.stderr.push_str(&format!(
                        "Error from server (AlreadyExists): error when creating \"{file}\": {} \"{name}\" already exists\n",
                        k.qualified_plural()
                    ));
                    out.status = 1;
                    continue;
                }
                if !create && let (Some(k), Some(current)) = (kind, &current) {
                    self.apply_existing(&mut out, k, &object_ns, &name, &raw, current);
                    continue;
                }
                if !create {
                    let (_, text) = apply::annotate(&raw);
                    if let Some(meta) = crate::world::manifest_meta_mut(&mut object) {
                        meta.annotations
                            .get_or_insert_with(Default::default)
                            .insert(apply::LAST_APPLIED.into(), text);
                    }
                }
                match self.apply(object) {
                    Ok(outcome) => out.stdout.push_str(&format!(
                        "{label}/{name} {}\n",
                        if create { "created" } else { outcome.as_str() }
                    )),
                    Err(e) => {
                        out.stderr.push_str(&format!(
                            "Error from server (NotFound): error when creating \"{file}\": {e}\n"
                        ));
                        out.status = 1;
                    }
                }
            }
        }
        Ok(out)
    }

    /// `apply` to an object that exists, as client-side kubectl does it: the three-way patch
    /// from the last-applied annotation (with a warning when the object has none), sent as a
    /// strategic merge patch; no patch at all is `unchanged`.
    ///
    /// A patch the world refuses is reported with the patch verb's error line; kubectl wraps
    /// the server's message in `error when applying patch: PATCH to: RESOURCE ...`, which is
    /// not reproduced.
    fn apply_existing(
        &mut self,
        out: &mut CommandOutput,
        kind: ResourceKind,
        ns: &str,
        name: &str,
        raw: &serde_json::Value,
        current: &serde_json::Value,
    ) {
        let original = apply::last_applied(current);
        if original.is_none() {
            out.stderr
                .push_str(&apply::missing_annotation_warning(&format!(
                    "{}/{name}",
                    kind.info().plural
                )));
        }
        let (modified, _) = apply::annotate(raw);
        let diff = patch::three_way(original.as_ref(), &modified, current);
        if apply::is_empty_patch(&diff) {
            out.stdout
                .push_str(&format!("{}/{name} unchanged\n", kind.qualified_kind()));
            return;
        }
        match patch::patch(self, kind, ns, name, "strategic", &diff.to_string()) {
            Ok(_) => out
                .stdout
                .push_str(&format!("{}/{name} configured\n", kind.qualified_kind())),
            Err(e) => {
                out.stderr.push_str(&e.stderr);
                out.status = 1;
            }
        }
    }

    fn cmd_version(&self, inv: &Invocation) -> CommandOutput {
        let server = &self.scenario().file.cluster.kubernetes_version;
        let mut text = format!(
            "Client Version: {}\nKustomize Version: v5.5.0\n",
            CLIENT_VERSION
        );
        if !inv.flags.bool("client") {
            text.push_str(&format!("Server Version: {server}\n"));
        }
        CommandOutput::ok(text)
    }
}

/// Appends an operation's failure as kubectl prints it: a client-side refusal (BadRequest from
/// the world's checks) as `error: ...`, anything else as `Error from server (...)`; status 1.
fn push_error(out: &mut CommandOutput, e: &ApiError) {
    if e.reason == "BadRequest" {
        out.stderr.push_str(&format!("error: {}\n", e.message));
    } else {
        out.stderr.push_str(&e.kubectl_line());
    }
    out.status = 1;
}

fn render_cli(e: cli::CliError) -> CommandOutput {
    let r = e.render();
    CommandOutput {
        stdout: r.stdout,
        stderr: r.stderr,
        status: r.exit_code,
    }
}

fn push_target(targets: &mut Vec<Target>, kind: ResourceKind, name: Option<String>) {
    match targets.iter_mut().find(|t| t.kind == kind) {
        Some(t) => t.names.extend(name),
        None => targets.push(Target {
            kind,
            names: name.into_iter().collect(),
        }),
    }
}

fn selector_labels(o: &Object<'_>) -> BTreeMap<String, String> {
    match o {
        Object::Deployment(d) => d
            .spec
            .as_ref()
            .and_then(|s| s.selector.match_labels.clone())
            .unwrap_or_default(),
        Object::ReplicaSet(r) => r
            .spec
            .as_ref()
            .and_then(|s| s.selector.match_labels.clone())
            .unwrap_or_default(),
        Object::Service(s) => s
            .spec
            .as_ref()
            .and_then(|s| s.selector.clone())
            .unwrap_or_default(),
        _ => BTreeMap::new(),
    }
}

/// `cpu=200m,memory=512Mi` as a resource list.
fn parse_resource_list(text: &str) -> Result<BTreeMap<String, K8sQuantity>, String> {
    let mut out = BTreeMap::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            return Err(format!(
                "invalid argument syntax {part}, expected <resource>=<value>"
            ));
        };
        if crate::quantity::Quantity::parse(v).is_none() {
            return Err(
                "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
                    .to_string(),
            );
        }
        out.insert(k.to_string(), K8sQuantity(v.to_string()));
    }
    Ok(out)
}

fn object_namespace(m: &manifest::Manifest, default: &str) -> String {
    let meta = crate::world::manifest_meta(m);
    meta.and_then(|m| m.namespace.clone())
        .unwrap_or_else(|| default.to_string())
}

fn set_default_namespace(m: &mut manifest::Manifest, ns: &str) {
    if matches!(m, manifest::Manifest::Namespace(_)) {
        return;
    }
    if let Some(meta) = crate::world::manifest_meta_mut(m)
        && meta.namespace.is_none()
    {
        meta.namespace = Some(ns.to_string());
    }
}

/// The deployment's resourceVersion, `None` once it is gone: what a watch on it compares.
fn deployment_version(world: &World, ns: &str, name: &str) -> Option<String> {
    world
        .deployment(ns, name)
        .and_then(|d| d.metadata.resource_version.clone())
}

/// `Ok(done message)` when the rollout is complete, else `Err(waiting message)`.
/// Where a rollout stands, as `kubectl rollout status` reads it from the deployment.
enum Rollout {
    /// Complete: the line kubectl prints.
    Done(String),
    /// Still rolling: the line kubectl prints while it waits.
    Waiting(String),
    /// The deployment reports its progress deadline exceeded: kubectl's error.
    Failed(String),
}

fn rollout_message(world: &World, ns: &str, name: &str) -> Rollout {
    let Some(d) = world.deployment(ns, name) else {
        return Rollout::Done(String::new());
    };
    let spec = d.spec.clone().unwrap_or_default();
    let st = d.status.clone().unwrap_or_default();
    let desired = spec.replicas.unwrap_or(1);
    let updated = st.updated_replicas.unwrap_or(0);
    let total = st.replicas.unwrap_or(0);
    let available = st.available_replicas.unwrap_or(0);
    if d.metadata.generation > st.observed_generation {
        return Rollout::Waiting("Waiting for deployment spec update to be observed...\n".into());
    }
    let timed_out = st.conditions.iter().flatten().any(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    if timed_out {
        return Rollout::Failed(format!(
            "error: deployment \"{name}\" exceeded its progress deadline\n"
        ));
    }
    if updated < desired {
        return Rollout::Waiting(format!(
            "Waiting for deployment \"{name}\" rollout to finish: {updated} out of {desired} new replicas have been updated...\n"
        ));
    }
    if total > updated {
        return Rollout::Waiting(format!(
            "Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...\n",
            total - updated
        ));
    }
    if available < updated {
        return Rollout::Waiting(format!(
            "Waiting for deployment \"{name}\" rollout to finish: {available} of {updated} updated replicas are available...\n"
        ));
    }
    Rollout::Done(format!("deployment \"{name}\" successfully rolled out\n"))
}

/// `api-resources`: the served types, then the metrics API's two when metrics-server runs.
fn cmd_api_resources(inv: &Invocation, metrics_server: bool) -> CommandOutput {
    let mut w = super::tabwriter::TabWriter::new(super::tabwriter::TabConfig::KUBECTL_GET);
    let no_headers = inv.flags.bool("no-headers");
    if !no_headers {
        w.write_str("NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND\n");
    }
    // kubectl filters by --namespaced only when the flag is given.
    let namespaced = inv
        .flags
        .is_set("namespaced")
        .then(|| inv.flags.bool("namespaced"));
    for r in super::resources::RESOURCES {
        if namespaced.is_some_and(|n| n != r.namespaced) {
            continue;
        }
        let api = if r.group.is_empty() {
            r.version.to_string()
        } else {
            format!("{}/{}", r.group, r.version)
        };
        w.write_str(&format!(
            "{}\t{}\t{api}\t{}\t{}\n",
            r.plural,
            r.short.join(","),
            r.namespaced,
            r.kind_name
        ));
    }
    if metrics_server {
        if namespaced != Some(true) {
            w.write_str("nodes\t\tmetrics.k8s.io/v1beta1\tfalse\tNodeMetrics\n");
        }
        if namespaced != Some(false) {
            w.write_str("pods\t\tmetrics.k8s.io/v1beta1\ttrue\tPodMetrics\n");
        }
    }
    CommandOutput::ok(w.finish())
}
