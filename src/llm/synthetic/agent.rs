//! The synthetic agent: picks the next `kubectl` or `curl` command, or reports a result, from
//! the task, its evidence and the history of outputs.

use serde_json::{Value, json};

use super::evidence::Evidence;
use super::intent::{Goal, Intent, service_in};
use super::knowledge::ranked;
use super::observe::{PromOutcome, Table, command_query, failure, prom_outcome, words};
use super::{Turn, fenced, seeded};
use crate::llm::protocol::{
    AgentAction, AgentReply, AgentResult, HistoryEntry, ResultFields, Section, extract_json,
};
use rand_chacha::ChaCha8Rng;

/// After this many commands the agent reports what it has instead of trying more.
const GIVE_UP_AFTER: usize = 15;

/// Answers an agent prompt.
pub(crate) fn answer(turn: &mut Turn<'_>) -> String {
    let task = turn.task();
    let stated_service = turn.sections.get(Section::Service).trim().to_owned();
    let service = if stated_service.is_empty() {
        service_in(&task, turn.knowledge(), &[]).unwrap_or_default()
    } else {
        stated_service
    };
    let intent = Intent::of(&task);
    let evidence = Evidence::gather(turn, &service);
    let history = turn.sections.history();
    tracing::debug!(
        ?intent,
        service,
        steps = history.len(),
        "synthetic agent turn"
    );

    let mut agent = Agent {
        turn,
        intent,
        service,
        evidence,
        history,
    };
    fenced(&agent.decide())
}

struct Agent<'t, 'c> {
    turn: &'t mut Turn<'c>,
    intent: Intent,
    service: String,
    evidence: Evidence,
    history: Vec<HistoryEntry>,
}

/// What the agent found, to be put into the expected result format.
#[derive(Default)]
struct Found {
    number: Option<f64>,
    unit: &'static str,
    fields: Vec<(&'static str, Value)>,
}

impl Agent<'_, '_> {
    fn decide(&mut self) -> AgentReply {
        if let Some(found) = self.already_found() {
            return self.result(found, "The history holds what the task asks for.");
        }
        if self.history.len() >= GIVE_UP_AFTER {
            let found = Found {
                fields: vec![("error", json!("no answer found"))],
                ..Found::default()
            };
            return self.result(found, "Too many attempts; reporting what I have.");
        }
        let (thought, command) = self.next_command();
        AgentReply::Action(AgentAction { thought, command })
    }

    /// The answer, if an output in the history already holds it.
    fn already_found(&self) -> Option<Found> {
        let service = self.service.as_str();
        let latest_ok = |pred: &dyn Fn(&HistoryEntry) -> bool| {
            self.history
                .iter()
                .rev()
                .find(|e| pred(e) && failure(&e.output).is_none())
                .cloned()
        };
        match &self.intent {
            Intent::Latency(_) | Intent::Cpu | Intent::Memory => {
                let unit = match self.intent {
                    Intent::Latency(_) => "s",
                    Intent::Cpu => "cores",
                    _ => "bytes",
                };
                self.measurement().map(|total| Found {
                    number: Some(total),
                    unit,
                    fields: Vec::new(),
                })
            }
            Intent::Relieve(goal) => {
                // Done once a scale-out went through, or when the measurement already meets
                // the bound and nothing needs to change.
                if latest_ok(&|e| e.output.contains(" scaled") || e.output.contains(" autoscaled"))
                    .is_some()
                {
                    return Some(Found {
                        fields: vec![("done", json!(true))],
                        ..Found::default()
                    });
                }
                let measured = self.measurement()?;
                // Load that is still growing will not stay under the bound by itself.
                if self.load_rising() {
                    return None;
                }
                let within = match *goal {
                    Goal::Latency(bound) => measured < bound,
                    Goal::CpuShare(share) => {
                        let (replicas, limit) = self.replicas_and_limit()?;
                        measured / f64::from(replicas.max(1)) < share * limit
                    }
                };
                within.then(|| Found {
                    fields: vec![("done", json!(true)), ("no_action_needed", json!(true))],
                    ..Found::default()
                })
            }
            Intent::Health => {
                let entry =
                    latest_ok(&|e| e.command.contains(" pods") && has_rows(&e.output, service))?;
                let table = Table::parse(&entry.output)?;
                let rows: Vec<_> = table.rows_of(service).collect();
                let ready: Vec<String> = rows
                    .iter()
                    .filter_map(|r| r.get("READY").cloned())
                    .collect();
                let status: Vec<String> = rows
                    .iter()
                    .filter_map(|r| r.get("STATUS").cloned())
                    .collect();
                let healthy = status.iter().all(|s| s == "Running")
                    && ready
                        .iter()
                        .all(|r| r.split_once('/').is_some_and(|(a, b)| a == b));
                Some(Found {
                    fields: vec![
                        ("healthy", json!(healthy)),
                        ("ready", json!(ready.join(","))),
                        ("status", json!(status.join(","))),
                        ("pods", json!(rows.len())),
                    ],
                    ..Found::default()
                })
            }
            Intent::Replicas => {
                let entry =
                    latest_ok(&|e| e.command.contains("deploy") && has_rows(&e.output, service))?;
                let table = Table::parse(&entry.output)?;
                let row = table.rows_of(service).next()?;
                let ready = row.get("READY")?.split('/').next()?.parse::<f64>().ok()?;
                Some(Found {
                    number: Some(ready),
                    unit: "replicas",
                    fields: vec![("ready_replicas", json!(ready as u64))],
                })
            }
            Intent::Scale(n) => {
                latest_ok(&|e| e.output.contains(" scaled"))?;
                Some(Found {
                    fields: vec![("replicas", json!(n)), ("done", json!(true))],
                    ..Found::default()
                })
            }
            Intent::Restart => done_after(latest_ok(&|e| e.output.contains(" restarted"))),
            Intent::Rollback(None) => done_after(latest_ok(&|e| e.output.contains(" rolled back"))),
            Intent::Rollback(Some(_)) => {
                done_after(latest_ok(&|e| e.output.contains(" image updated")))
            }
            Intent::SetEnv(..) => done_after(latest_ok(&|e| e.output.contains(" env updated"))),
            Intent::Autoscale => done_after(latest_ok(&|e| e.output.contains(" autoscaled"))),
            Intent::Logs => {
                let entry = latest_ok(&|e| e.command.starts_with("kubectl logs"))?;
                let errors = entry
                    .output
                    .lines()
                    .filter(|l| l.to_lowercase().contains("error"))
                    .count();
                Some(Found {
                    number: Some(errors as f64),
                    unit: "lines",
                    fields: vec![("error_lines", json!(errors))],
                })
            }
            Intent::Unknown if service.is_empty() => {
                let entry = latest_ok(&|e| {
                    e.command.contains(" pods") && Table::parse(&e.output).is_some()
                })?;
                let table = Table::parse(&entry.output)?;
                let running = table
                    .rows
                    .iter()
                    .filter(|r| r.get("STATUS").is_some_and(|s| s == "Running"))
                    .count();
                let summary = format!("{} pod(s), {running} running", table.rows.len());
                Some(Found {
                    fields: vec![("summary", json!(summary))],
                    ..Found::default()
                })
            }
            Intent::Unknown => {
                let entry =
                    latest_ok(&|e| e.command.contains(" pods") && has_rows(&e.output, service))?;
                let table = Table::parse(&entry.output)?;
                let rows: Vec<_> = table.rows_of(service).collect();
                let statuses: Vec<String> = rows
                    .iter()
                    .filter_map(|r| r.get("STATUS").cloned())
                    .collect();
                let summary = format!(
                    "{} has {} pod(s): {}",
                    service,
                    rows.len(),
                    statuses.join(", ")
                );
                Some(Found {
                    fields: vec![("summary", json!(summary))],
                    ..Found::default()
                })
            }
        }
    }

    /// A generator for the order guesses about `topic` are tried in, the same on every turn of
    /// this task.
    fn stable(&self, topic: &str) -> ChaCha8Rng {
        let task = self.turn.task();
        seeded(
            self.turn.config.seed,
            &format!("{task}\n{}\n{topic}", self.service),
        )
    }

    /// The next command, with the reason for it.
    fn next_command(&mut self) -> (String, String) {
        // A skill for this very step comes first, when adopted and not yet tried.
        if let Some(command) = self.skill_command() {
            return (
                format!("A skill in my prompt does this for {}.", self.service),
                command,
            );
        }

        if self.service.is_empty() {
            let thought = "The task names no service I know; looking at what runs.".to_owned();
            return (thought, "kubectl get pods --all-namespaces".to_owned());
        }
        let namespace = match self.namespace() {
            Ok(ns) => ns,
            Err(discovery) => return discovery,
        };
        let service = self.service.clone();
        let ns = namespace.as_str();
        let command = match self.intent.clone() {
            Intent::Latency(_) | Intent::Cpu | Intent::Memory => return self.measure_step(ns),
            Intent::Relieve(goal) => {
                let Some(measured) = self.measurement() else {
                    return self.measure_step(ns);
                };
                let replicas = match goal {
                    Goal::Latency(bound) => self.replicas_for(measured / bound),
                    Goal::CpuShare(share) => {
                        let Some((current, limit)) = self.replicas_and_limit() else {
                            let thought = format!(
                                "Reading the replicas and CPU limit of {} before scaling.",
                                self.service
                            );
                            return (
                                thought,
                                format!(
                                    "kubectl get deployment {service} -n {ns} -o jsonpath='{{.spec.replicas}} {{.spec.template.spec.containers[0].resources.limits.cpu}}'"
                                ),
                            );
                        };
                        let per_pod_bound = share * limit;
                        self.replicas_for(measured / per_pod_bound)
                            .max(current + 1)
                            .min(self.turn.knowledge().scaling.max_replicas)
                    }
                };
                let thought = format!(
                    "{} measures {measured:.3}, over its bound; scaling out to {replicas} replicas.",
                    self.service
                );
                if self.load_rising() {
                    // A fixed count only fits today's load: let an autoscaler follow it.
                    let max = self.turn.knowledge().scaling.max_replicas.max(replicas);
                    let thought = format!(
                        "Load on {} keeps growing; an autoscaler from {replicas} to {max} replicas follows it.",
                        self.service
                    );
                    let command = format!(
                        "kubectl autoscale deployment {service} --cpu-percent=50 --min={replicas} --max={max} -n {ns}"
                    );
                    return (thought, self.flags(command));
                }
                let command = self.scale_skill(replicas).unwrap_or_else(|| {
                    format!("kubectl scale deployment {service} --replicas={replicas} -n {ns}")
                });
                return (thought, self.flags(command));
            }
            Intent::Health | Intent::Unknown | Intent::Logs if !self.has_pod_listing() => {
                match self.label_key(ns) {
                    Ok(key) => format!("kubectl get pods -n {ns} -l {key}={service}"),
                    Err(discovery) => return discovery,
                }
            }
            Intent::Logs => {
                let pod = self.pod_name().unwrap_or_else(|| service.clone());
                format!("kubectl logs {pod} -n {ns} --tail=100")
            }
            Intent::Health | Intent::Unknown => format!("kubectl get pods -n {ns}"),
            Intent::Replicas => format!("kubectl get deployment {service} -n {ns}"),
            Intent::Scale(n) => self.flags(format!(
                "kubectl scale deployment {service} --replicas={n} -n {ns}"
            )),
            Intent::Restart => format!("kubectl rollout restart deployment/{service} -n {ns}"),
            Intent::Rollback(None) => format!("kubectl rollout undo deployment/{service} -n {ns}"),
            Intent::Rollback(Some(version)) => match self.image() {
                Some((container, image)) => {
                    let repo = image.rsplit_once(':').map_or(image.as_str(), |(r, _)| r);
                    format!(
                        "kubectl set image deployment/{service} {container}={repo}:{version} -n {ns}"
                    )
                }
                None => format!("kubectl get deployment {service} -n {ns} -o wide"),
            },
            Intent::SetEnv(key, value) => {
                format!("kubectl set env deployment/{service} {key}={value} -n {ns}")
            }
            Intent::Autoscale => self.flags(format!(
                "kubectl autoscale deployment {service} --cpu-percent=50 --min=1 --max=5 -n {ns}"
            )),
        };
        let thought = format!(
            "{} runs in namespace {ns}, as far as I can tell.",
            self.service
        );
        (thought, command)
    }

    /// The command of an adopted skill that does this very step and was not tried yet. A
    /// skill is matched by what its command does, not by words it happens to contain: a
    /// query skill only for a measurement, a state-changing one only for that change.
    fn skill_command(&self) -> Option<String> {
        let query_with = |marker: &'static str| {
            move |c: &str| command_query(c).is_some_and(|q| q.contains(marker))
        };
        let kubectl_with =
            |verb: &'static str| move |c: &str| c.starts_with("kubectl ") && c.contains(verb);
        let matches: Box<dyn Fn(&str) -> bool> = match &self.intent {
            Intent::Latency(_) => Box::new(query_with("histogram_quantile")),
            Intent::Cpu => Box::new(query_with("cpu")),
            Intent::Memory => Box::new(query_with("memory")),
            Intent::Relieve(Goal::Latency(_)) if self.measurement().is_none() => {
                Box::new(query_with("histogram_quantile"))
            }
            Intent::Relieve(Goal::CpuShare(_)) if self.measurement().is_none() => {
                Box::new(query_with("cpu"))
            }
            Intent::Health | Intent::Unknown => Box::new(kubectl_with(" get pods")),
            Intent::Replicas => Box::new(kubectl_with(" get deploy")),
            Intent::Scale(n) => return self.scale_skill(*n),
            Intent::Restart => Box::new(kubectl_with(" rollout restart")),
            Intent::Rollback(None) => Box::new(kubectl_with(" rollout undo")),
            _ => return None,
        };
        let command = self
            .evidence
            .skill_commands
            .iter()
            .find(|c| matches(c))?
            .clone();
        let tried = self.history.iter().any(|e| e.command == command);
        (!tried).then_some(command)
    }

    /// An adopted `kubectl scale` skill for this service, asking for `replicas`, if not tried.
    fn scale_skill(&self, replicas: u32) -> Option<String> {
        let skill = self
            .evidence
            .skill_commands
            .iter()
            .find(|c| c.starts_with("kubectl scale"))?;
        let command = replace_flag_value(skill, "--replicas", &replicas.to_string());
        let tried = self.history.iter().any(|e| e.command == command);
        (!tried).then_some(command)
    }

    /// Whether the task says the load keeps growing ("traffic is increasing").
    fn load_rising(&self) -> bool {
        let task = self.turn.task().to_lowercase();
        ["increasing", "rising", "growing"]
            .iter()
            .any(|w| task.contains(w))
    }

    /// The intent whose measurement this task needs: a relief task measures first.
    fn measured_intent(&self) -> Intent {
        match self.intent {
            Intent::Relieve(Goal::Latency(_)) => Intent::Latency(0.99),
            Intent::Relieve(Goal::CpuShare(_)) => Intent::Cpu,
            ref other => other.clone(),
        }
    }

    /// The latest value a query in the history returned for what this task measures.
    fn measurement(&self) -> Option<f64> {
        let marker = match self.measured_intent() {
            Intent::Latency(_) => "histogram_quantile",
            Intent::Cpu => "cpu",
            Intent::Memory => "memory",
            _ => return None,
        };
        self.history.iter().rev().find_map(|e| {
            let query = command_query(&e.command)?;
            if !query.contains(marker) {
                return None;
            }
            match prom_outcome(&e.output)? {
                PromOutcome::Values(series) => Some(series.iter().map(|(_, v)| v).sum()),
                _ => None,
            }
        })
    }

    /// The replicas and CPU limit (cores) of the service's deployment, from a jsonpath read.
    fn replicas_and_limit(&self) -> Option<(u32, f64)> {
        self.history.iter().rev().find_map(|e| {
            if !e.command.contains("jsonpath") || failure(&e.output).is_some() {
                return None;
            }
            let mut fields = e.output.split_whitespace();
            let replicas = fields.next()?.parse().ok()?;
            let limit = cpu_cores(fields.next()?)?;
            Some((replicas, limit))
        })
    }

    /// Replicas for a load `ratio` times the bound, by the scaling rule of thumb.
    fn replicas_for(&self, ratio: f64) -> u32 {
        let scaling = &self.turn.knowledge().scaling;
        let wanted = (scaling.headroom * ratio).ceil();
        (wanted.max(0.0) as u32).clamp(scaling.min_replicas, scaling.max_replicas)
    }

    /// The next step towards a measurement: a query, or finding the namespace first.
    fn measure_step(&mut self, ns: &str) -> (String, String) {
        // Selectors often name the namespace: after two empty answers on a guessed
        // namespace, find out where the service runs before guessing on.
        let guessed = self.evidence.namespace.best().is_none();
        if guessed
            && self.evidence.refuted_queries.len() >= 2
            && !self.evidence.listed_all_namespaces
        {
            let thought = format!("Finding out which namespace {} runs in.", self.service);
            return (thought, "kubectl get pods --all-namespaces".to_owned());
        }
        self.query_step(ns)
    }

    /// The namespace to use, or the discovery command to run first.
    fn namespace(&mut self) -> Result<String, (String, String)> {
        let fact = self.evidence.namespace.clone();
        let rate = self.turn.rates().wrong_namespace;
        let prior = self.turn.knowledge().namespace.prior.clone();
        if let Some(best) = fact.best() {
            if self.turn.chance(rate) {
                let other = ranked(
                    &prior,
                    &|n| n == best || fact.ruled_out(n),
                    &mut self.turn.rng,
                );
                if let Some(other) = other.into_iter().next() {
                    return Ok(other);
                }
            }
            return Ok(best.to_owned());
        }
        if let Some(listed) = self
            .evidence
            .namespace_list
            .iter()
            .find(|n| !fact.ruled_out(n))
        {
            return Ok(listed.clone());
        }
        if !fact.refuted.is_empty() && !self.evidence.listed_all_namespaces {
            return Err((
                format!(
                    "{} is not where I guessed; listing pods in all namespaces.",
                    self.service
                ),
                "kubectl get pods --all-namespaces".to_owned(),
            ));
        }
        if !fact.refuted.is_empty() && !self.evidence.listed_namespaces {
            return Err((
                "Listing the namespaces.".to_owned(),
                "kubectl get namespaces".to_owned(),
            ));
        }
        let guesses = ranked(
            &prior,
            &|n| fact.ruled_out(n),
            &mut self.stable("namespace"),
        );
        Ok(guesses
            .into_iter()
            .next()
            .unwrap_or_else(|| "default".to_owned()))
    }

    /// The pod label key to select the service by, or the discovery command to run first.
    fn label_key(&mut self, ns: &str) -> Result<String, (String, String)> {
        let fact = self.evidence.label_key.clone();
        let rate = self.turn.rates().wrong_label;
        let prior = self.turn.knowledge().label_key.prior.clone();
        if let Some(best) = fact.best() {
            if self.turn.chance(rate) {
                let other = ranked(
                    &prior,
                    &|k| k == best || fact.ruled_out(k),
                    &mut self.turn.rng,
                );
                if let Some(other) = other.into_iter().next() {
                    return Ok(other);
                }
            }
            return Ok(best.to_owned());
        }
        if !fact.refuted.is_empty() && !self.evidence.listed_labels {
            return Err((
                "The label I guessed selects nothing; reading the pods' labels.".to_owned(),
                format!("kubectl get pods -n {ns} --show-labels"),
            ));
        }
        let guesses = ranked(&prior, &|k| fact.ruled_out(k), &mut self.stable("label"));
        Ok(guesses
            .into_iter()
            .next()
            .unwrap_or_else(|| "app".to_owned()))
    }

    fn has_pod_listing(&self) -> bool {
        self.history.iter().any(|e| {
            e.command.contains(" pods")
                && failure(&e.output).is_none()
                && has_rows(&e.output, &self.service)
        })
    }

    fn pod_name(&self) -> Option<String> {
        self.history.iter().rev().find_map(|e| {
            let table = Table::parse(&e.output)?;
            let row = table.rows_of(&self.service).find(|r| {
                r.get("NAME")
                    .is_some_and(|n| n != &self.service && n.matches('-').count() >= 2)
            })?;
            row.get("NAME").cloned()
        })
    }

    /// The (container, image) of the service's deployment from a `-o wide` listing.
    fn image(&self) -> Option<(String, String)> {
        self.history.iter().rev().find_map(|e| {
            let table = Table::parse(&e.output)?;
            let row = table.rows_of(&self.service).next()?;
            let image = row.get("IMAGES")?.split(',').next()?.to_owned();
            let container = row
                .get("CONTAINERS")
                .and_then(|c| c.split(',').next())
                .map_or_else(|| self.service.clone(), str::to_owned);
            Some((container, image))
        })
    }

    /// Misspells flags at the configured rate until kubectl has complained once.
    fn flags(&mut self, command: String) -> String {
        let rate = self.turn.rates().malformed_flag;
        if self.evidence.careful_flags || !self.turn.chance(rate) {
            return command;
        }
        let flags = self.turn.knowledge().malformed_flags.clone();
        for (right, wrong) in &flags {
            if command.contains(&format!("{right}=")) || command.contains(&format!("{right} ")) {
                return command.replacen(right.as_str(), wrong, 1);
            }
        }
        command
    }

    /// The next Prometheus query to try, as a curl command line.
    fn query_step(&mut self, ns: &str) -> (String, String) {
        let Some(query) = self.next_query(ns) else {
            let command = format!("kubectl get pods -n {ns}");
            return (
                "Every query I know returned nothing; checking the pods.".to_owned(),
                command,
            );
        };
        let url = self.prometheus_url();
        let rate = self.turn.rates().unencoded_url;
        let encode = self.evidence.must_encode || !self.turn.chance(rate);
        let command = if encode {
            format!("curl -sG {url}/api/v1/query --data-urlencode 'query={query}'")
        } else {
            format!("curl -s '{url}/api/v1/query?query={query}'")
        };
        (
            format!(
                "Querying Prometheus for {} of {}.",
                self.metric_kind(),
                self.service
            ),
            command,
        )
    }

    fn metric_kind(&self) -> &'static str {
        match self.measured_intent() {
            Intent::Latency(_) => "the latency",
            Intent::Cpu => "the CPU usage",
            _ => "the memory usage",
        }
    }

    fn prometheus_url(&mut self) -> String {
        let fact = self.evidence.prometheus_url.clone();
        if let Some(best) = fact.best() {
            return best.to_owned();
        }
        let prior = self.turn.knowledge().prometheus_url.prior.clone();
        let guesses = ranked(
            &prior,
            &|u| fact.ruled_out(u),
            &mut self.stable("prometheus"),
        );
        guesses
            .into_iter()
            .next()
            .unwrap_or_else(|| "http://localhost:9090".to_owned())
    }

    /// Candidate queries in the order the agent believes in them, minus refuted ones.
    fn next_query(&mut self, ns: &str) -> Option<String> {
        let service = self.service.clone();
        let knowledge = self.turn.knowledge().clone();
        let fill = |template: &str, selector: &str| {
            template
                .replace("{sel}", selector)
                .replace("{ns}", ns)
                .replace("{svc}", &service)
        };

        // Selectors: stated or observed first, then the prior in a drawn order.
        let mut selectors: Vec<String> = Vec::new();
        if let Some(best) = self.evidence.selector.best() {
            selectors.push(best.to_owned());
        }
        for s in ranked(
            &knowledge.job_selector.prior,
            &|_| false,
            &mut self.stable("selector"),
        ) {
            let s = fill(&s, "");
            if !selectors.contains(&s) {
                selectors.push(s);
            }
        }

        let measured = self.measured_intent();
        let (metric_knowledge, templates): (_, Vec<String>) = match measured {
            Intent::Latency(q) => {
                let mut metrics: Vec<String> = self
                    .evidence
                    .metrics
                    .iter()
                    .filter(|m| m.ends_with("_bucket"))
                    .cloned()
                    .collect();
                for m in ranked(
                    &knowledge.latency.prior,
                    &|_| false,
                    &mut self.stable("latency"),
                ) {
                    if !metrics.contains(&m) {
                        metrics.push(m);
                    }
                }
                let templates = metrics
                    .iter()
                    .map(|m| {
                        format!("histogram_quantile({q}, sum(rate({m}{{{{sel}}}}[5m])) by (le))")
                    })
                    .collect();
                (&knowledge.latency, templates)
            }
            Intent::Cpu => (
                &knowledge.cpu,
                ranked(&knowledge.cpu.prior, &|_| false, &mut self.stable("cpu")),
            ),
            _ => (
                &knowledge.memory,
                ranked(
                    &knowledge.memory.prior,
                    &|_| false,
                    &mut self.stable("memory"),
                ),
            ),
        };

        let mut candidates: Vec<String> = Vec::new();
        let wrong_metric = self.turn.rates().wrong_metric;
        if self.turn.chance(wrong_metric) {
            for m in &metric_knowledge.misremembered {
                let template = match measured {
                    Intent::Latency(q) => {
                        format!("histogram_quantile({q}, sum(rate({m}{{{{sel}}}}[5m])) by (le))")
                    }
                    _ => m.clone(),
                };
                candidates.push(fill(&template, &selectors[0]));
            }
        }
        for template in &templates {
            if template.contains("{sel}") {
                candidates.extend(selectors.iter().map(|s| fill(template, s)));
            } else {
                candidates.push(fill(template, ""));
            }
        }
        candidates
            .into_iter()
            .find(|q| !self.evidence.refuted_queries.contains(q))
    }

    /// The final result, in the expected format unless a format mistake happens.
    fn result(&mut self, found: Found, thought: &str) -> AgentReply {
        let expected = self.turn.sections.get(Section::ExpectedFormat).to_owned();
        let rate = self.turn.rates().wrong_format;
        let careless =
            !expected.is_empty() && !self.evidence.format_feedback && self.turn.chance(rate);
        let ns = self.evidence.namespace.best().unwrap_or("").to_owned();
        let result = if careless {
            wrong_format(&self.service, &found)
        } else {
            let template = match extract_json(&expected) {
                Some(Value::Object(map)) => map,
                _ => match extract_json(&self.intent.result_format(&self.service)) {
                    Some(Value::Object(map)) => map,
                    _ => serde_json::Map::new(),
                },
            };
            let mut fields = fill(&template, &self.service, &ns, &found);
            // A relief task that found nothing to change says so, whatever the format.
            if let Some((key, value)) = found.fields.iter().find(|(k, _)| *k == "no_action_needed")
            {
                fields.insert((*key).to_owned(), value.clone());
            }
            fields
        };
        AgentReply::Result(AgentResult {
            thought: thought.to_owned(),
            result,
        })
    }
}

/// A Kubernetes CPU quantity (`200m`, `1`, `0.5`) in cores.
fn cpu_cores(quantity: &str) -> Option<f64> {
    let quantity = quantity.trim_matches(|c| c == '\'' || c == '"');
    match quantity.strip_suffix('m') {
        Some(milli) => milli.parse::<f64>().ok().map(|m| m / 1000.0),
        None => quantity.parse().ok(),
    }
}

fn done_after(entry: Option<HistoryEntry>) -> Option<Found> {
    entry.map(|_| Found {
        fields: vec![("done", json!(true))],
        ..Found::default()
    })
}

fn has_rows(output: &str, service: &str) -> bool {
    Table::parse(output).is_some_and(|t| t.rows_of(service).next().is_some())
}

/// Replaces the value of `--flag=value` or `--flag value`.
fn replace_flag_value(command: &str, flag: &str, value: &str) -> String {
    let words = words(command);
    let mut out = Vec::with_capacity(words.len());
    let mut replace_next = false;
    for w in words {
        if replace_next {
            out.push(value.to_owned());
            replace_next = false;
        } else if w == flag {
            out.push(w);
            replace_next = true;
        } else if w.starts_with(&format!("{flag}=")) {
            out.push(format!("{flag}={value}"));
        } else if w.contains(' ') || w.contains('"') {
            out.push(format!("'{w}'"));
        } else {
            out.push(w);
        }
    }
    out.join(" ")
}

/// Puts what was found into the keys of the expected format; with nothing found, every key
/// but the service is null and an `error` key says why.
fn fill(
    template: &serde_json::Map<String, Value>,
    service: &str,
    ns: &str,
    found: &Found,
) -> ResultFields {
    let mut out = ResultFields::new();
    if let Some((_, error)) = found.fields.iter().find(|(name, _)| *name == "error") {
        for key in template.keys() {
            let k = key.to_lowercase();
            let value = if k.contains("service") || k.contains("component") {
                json!(service)
            } else {
                Value::Null
            };
            out.insert(key.clone(), value);
        }
        out.insert("error".to_owned(), error.clone());
        return out;
    }
    for (key, example) in template {
        let k = key.to_lowercase();
        let value = if k.contains("service") || k.contains("component") {
            json!(service)
        } else if k.contains("namespace") {
            json!(ns)
        } else if let Some((_, v)) = found.fields.iter().find(|(name, _)| k == *name) {
            v.clone()
        } else if let Some((_, v)) = found.fields.iter().find(|(name, _)| k.contains(name)) {
            v.clone()
        } else if let Some(n) = found
            .number
            .filter(|_| example.is_number() || example.is_null())
        {
            let scaled = if k.contains("_ms") || k.contains("milli") {
                n * 1000.0
            } else if k.contains("percent") {
                n * 100.0
            } else {
                n
            };
            json!(scaled)
        } else if let Some((_, v)) = found.fields.first().filter(|_| found.number.is_none()) {
            v.clone()
        } else {
            example.clone()
        };
        out.insert(key.clone(), value);
    }
    out
}

/// A result under keys of the agent's own choosing, with units in strings.
fn wrong_format(service: &str, found: &Found) -> ResultFields {
    let mut out = ResultFields::new();
    out.insert("component".to_owned(), json!(service));
    let answer = match found.number {
        Some(n) => format!("{n} {}", found.unit),
        None => found
            .fields
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    out.insert("answer".to_owned(), json!(answer));
    out
}
