//! What the prompt tells the synthetic model about the deployment: observed facts, facts
//! stated by skills or the running state, and guesses the history has refuted.

use std::collections::BTreeSet;

use super::Turn;
use super::observe::{
    Failure, PromOutcome, Table, belongs_to, command_base_url, command_label_key,
    command_namespace, command_query, failure, prom_outcome, strip_kind, urls_in, words,
};
use crate::llm::protocol::{HistoryEntry, Section};

/// A fact with where it came from: an observation beats a refutation, which beats a statement.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fact {
    /// Values observed in command outputs, first seen first.
    pub(crate) observed: Vec<String>,
    /// Values stated by skills or the running state.
    pub(crate) stated: Vec<String>,
    /// Values the history refuted.
    pub(crate) refuted: BTreeSet<String>,
}

impl Fact {
    fn observe(&mut self, value: &str) {
        if !value.is_empty() && !self.observed.iter().any(|v| v == value) {
            self.observed.push(value.to_owned());
        }
    }

    fn state(&mut self, value: &str) {
        if !value.is_empty() && !self.stated.iter().any(|v| v == value) {
            self.stated.push(value.to_owned());
        }
    }

    /// The best supported value: observed, else stated and not refuted.
    pub(crate) fn best(&self) -> Option<&str> {
        self.observed
            .first()
            .or_else(|| self.stated.iter().find(|v| !self.refuted.contains(*v)))
            .map(String::as_str)
    }

    /// Whether a guess is ruled out.
    pub(crate) fn ruled_out(&self, value: &str) -> bool {
        self.refuted.contains(value) && !self.observed.iter().any(|v| v == value)
    }
}

/// Everything the prompt says that matters to an agent.
#[derive(Debug, Clone, Default)]
pub(crate) struct Evidence {
    pub(crate) service: String,
    pub(crate) namespace: Fact,
    /// Non-system namespaces listed by a `kubectl get namespaces` output.
    pub(crate) namespace_list: Vec<String>,
    pub(crate) label_key: Fact,
    /// PromQL selectors (`job="..."`) naming the service.
    pub(crate) selector: Fact,
    /// Metric names mentioned by skills or the running state.
    pub(crate) metrics: Vec<String>,
    /// Queries that returned nothing or an error.
    pub(crate) refuted_queries: BTreeSet<String>,
    pub(crate) prometheus_url: Fact,
    /// Commands of adopted skills about this service.
    pub(crate) skill_commands: Vec<String>,
    /// curl complained about an unencoded URL: encode from now on.
    pub(crate) must_encode: bool,
    /// kubectl complained about a flag: spell flags carefully.
    pub(crate) careful_flags: bool,
    /// Peer feedback named the expected format.
    pub(crate) format_feedback: bool,
    /// An all-namespaces listing is in the history.
    pub(crate) listed_all_namespaces: bool,
    /// A `--show-labels` listing is in the history.
    pub(crate) listed_labels: bool,
    /// A `kubectl get namespaces` is in the history.
    pub(crate) listed_namespaces: bool,
}

enum Pending {
    NoResources {
        namespace: String,
        label_key: Option<String>,
    },
    NotFound {
        namespace: String,
    },
}

impl Evidence {
    /// Gathers the evidence of a turn for `service`. Skills are adopted at the configured rate.
    pub(crate) fn gather(turn: &mut Turn<'_>, service: &str) -> Evidence {
        let mut ev = Evidence {
            service: service.to_owned(),
            ..Evidence::default()
        };
        let system = turn.knowledge().namespace.system.clone();

        let state = turn.sections.get(Section::RunningState).to_owned();
        ev.scan_statement(&state);
        ev.scan_observation_text(&state, &system);

        for skill in turn.sections.skills() {
            let about_service = skill.service.is_empty()
                || skill.service == service
                || skill.body.contains(service)
                || skill
                    .command
                    .as_deref()
                    .is_some_and(|c| c.contains(service));
            if !about_service {
                continue;
            }
            let adoption = turn.config.skill_adoption;
            if !turn.chance(adoption) {
                tracing::debug!(skill = %skill.title, "synthetic agent ignores a skill");
                continue;
            }
            let text = format!(
                "{}\n{}\n{}",
                skill.title,
                skill.body,
                skill.command.clone().unwrap_or_default()
            );
            ev.scan_statement(&text);
            if let Some(command) = skill.command
                && command.contains(service)
            {
                ev.skill_commands.push(command);
            }
        }

        let mut pending = Vec::new();
        for entry in turn.sections.history() {
            ev.read_entry(&entry, &system, &mut pending);
        }

        let feedback = turn.sections.get(Section::Feedback).to_owned();
        let lower = feedback.to_lowercase();
        ev.format_feedback = lower.contains("format") || lower.contains("expected");
        for line in feedback.lines() {
            match failure(line) {
                Some(Failure::BadUrl) => ev.must_encode = true,
                Some(Failure::BadFlag) => ev.careful_flags = true,
                Some(Failure::NoResources(ns)) if ns != "*" => {
                    pending.push(Pending::NoResources {
                        namespace: ns,
                        label_key: None,
                    });
                }
                Some(Failure::NamespaceNotFound(ns)) => {
                    ev.namespace.refuted.insert(ns);
                }
                _ => {}
            }
        }

        // Failures are blamed on the namespace unless the namespace is observed to be right.
        for p in pending {
            match p {
                Pending::NoResources {
                    namespace,
                    label_key,
                } => {
                    if ev.namespace.observed.contains(&namespace) {
                        if let Some(key) = label_key {
                            ev.label_key.refuted.insert(key);
                        }
                    } else {
                        ev.namespace.refuted.insert(namespace);
                    }
                }
                Pending::NotFound { namespace } => {
                    if !ev.namespace.observed.contains(&namespace) {
                        ev.namespace.refuted.insert(namespace);
                    }
                }
            }
        }
        ev
    }

    /// Facts stated in free text (skills, running state): `-n X`, `namespace: X`, `X/service`,
    /// `key=service` selectors, `job="..."` selectors, URLs and metric names.
    fn scan_statement(&mut self, text: &str) {
        let service = self.service.clone();
        let tokens = words(&text.replace(['{', '}', ',', '`'], " "));
        for (i, token) in tokens.iter().enumerate() {
            let next = tokens.get(i + 1).map(|t| clean_name(t));
            let lower = token.to_lowercase();
            if (token == "-n"
                || token == "--namespace"
                || lower == "namespace"
                || lower == "namespace:")
                && let Some(ns) = next.filter(|n| is_k8s_name(n))
            {
                self.namespace.state(&ns);
            }
            for prefix in ["--namespace=", "namespace=", "namespace:"] {
                if let Some(ns) = lower.strip_prefix(prefix).map(clean_name)
                    && is_k8s_name(&ns)
                {
                    self.namespace.state(&ns);
                }
            }
            if let Some((key, value)) = token.split_once('=') {
                let value = clean_name(value);
                let key = key
                    .trim_start_matches("-l")
                    .trim_matches(|c| c == '"' || c == '\'');
                if value == service && key == "job" {
                    self.selector.state(&format!("job=\"{value}\""));
                } else if value == service
                    && !["pod", "container", "service", "kubernetes_name"].contains(&key)
                    && !key.is_empty()
                {
                    self.label_key.state(key);
                }
                if key == "job"
                    && let Some((ns, svc)) = value.split_once('/')
                    && svc == service
                {
                    self.selector.state(&format!("job=\"{value}\""));
                    self.namespace.state(ns);
                }
            }
            if token.ends_with("_bucket") || token.ends_with("_total") {
                let metric = token.split(['(', '[', '{']).next_back().unwrap_or(token);
                if !self.metrics.iter().any(|m| m == metric) {
                    self.metrics.push(metric.to_owned());
                }
            }
        }
        for url in urls_in(text) {
            self.prometheus_url.state(&url);
        }
    }

    /// Kubectl tables pasted into free text are observations.
    fn scan_observation_text(&mut self, text: &str, system: &[String]) {
        let entry = HistoryEntry {
            command: String::new(),
            output: text.to_owned(),
        };
        let mut pending = Vec::new();
        self.read_entry(&entry, system, &mut pending);
    }

    fn read_entry(&mut self, entry: &HistoryEntry, system: &[String], pending: &mut Vec<Pending>) {
        let command = entry.command.as_str();
        let output = entry.output.as_str();
        let service = self.service.clone();
        let namespace = command_namespace(command);
        let is_kubectl = command.starts_with("kubectl");

        if namespace == "*" && is_kubectl {
            self.listed_all_namespaces = true;
        }
        if command.contains("--show-labels") {
            self.listed_labels = true;
        }
        let words_of_command = words(command);
        let lists_namespaces = words_of_command.get(1).is_some_and(|w| w == "get")
            && words_of_command
                .get(2)
                .is_some_and(|w| w.starts_with("namespace") || w == "ns");
        if lists_namespaces {
            self.listed_namespaces = true;
        }

        // Tables: where the service's objects are, and how its pods are labelled.
        if let Some(table) = Table::parse(output) {
            if lists_namespaces
                || (command.is_empty() && table.columns == ["NAME", "STATUS", "AGE"])
            {
                for row in &table.rows {
                    if let Some(name) = row.get("NAME")
                        && !system.contains(name)
                        && name != "default"
                        && !self.namespace_list.contains(name)
                    {
                        self.namespace_list.push(name.clone());
                    }
                }
            }
            let rows: Vec<_> = table.rows_of(&service).collect();
            for row in &rows {
                match row.get("NAMESPACE") {
                    Some(ns) => self.namespace.observe(ns),
                    None if is_kubectl && namespace != "*" => self.namespace.observe(&namespace),
                    None => {}
                }
                if let Some(labels) = row.get("LABELS") {
                    for pair in labels.split(',') {
                        if let Some((k, v)) = pair.split_once('=')
                            && v == service
                        {
                            self.label_key.observe(k);
                        }
                    }
                }
            }
            if !rows.is_empty()
                && let Some(key) = command_label_key(command, &service)
            {
                self.label_key.observe(&key);
            }
        }

        // Success lines of state-changing verbs confirm the namespace.
        for line in output.lines() {
            let mut parts = line.split_whitespace();
            if let Some(object) = parts.next()
                && belongs_to(strip_kind(object), &service)
                && is_kubectl
                && namespace != "*"
                && parts.next().is_some()
                && failure(line).is_none()
            {
                self.namespace.observe(&namespace);
            }
        }

        match failure(output) {
            Some(Failure::NoResources(ns)) if ns != "*" => pending.push(Pending::NoResources {
                namespace: ns,
                label_key: command_label_key(command, &service),
            }),
            Some(Failure::NamespaceNotFound(ns)) => {
                self.namespace.refuted.insert(ns);
            }
            Some(Failure::ObjectNotFound) if is_kubectl => {
                pending.push(Pending::NotFound {
                    namespace: namespace.clone(),
                });
            }
            Some(Failure::BadFlag) => self.careful_flags = true,
            Some(Failure::BadUrl) => self.must_encode = true,
            Some(Failure::Unreachable) => {
                if let Some(url) = command_base_url(command) {
                    self.prometheus_url.refuted.insert(url);
                }
            }
            _ => {}
        }

        // Prometheus answers: refute empty queries, learn from the labels of answers.
        if let Some(query) = command_query(command) {
            match prom_outcome(output) {
                Some(PromOutcome::Values(series)) => {
                    if let Some(url) = command_base_url(command) {
                        self.prometheus_url.observe(&url);
                    }
                    for (labels, _) in series {
                        if let Some(job) = labels.get("job")
                            && job.contains(&service)
                        {
                            self.selector.observe(&format!("job=\"{job}\""));
                        }
                    }
                }
                Some(PromOutcome::Empty) | Some(PromOutcome::Error(_)) => {
                    if let Some(url) = command_base_url(command) {
                        self.prometheus_url.observe(&url);
                    }
                    self.refuted_queries.insert(query);
                }
                None => {}
            }
        }
    }
}

/// A name with surrounding quotes and punctuation removed (a sentence's full stop included).
fn clean_name(text: &str) -> String {
    text.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '/' || c == '.'))
        .trim_end_matches('.')
        .to_owned()
}

fn is_k8s_name(text: &str) -> bool {
    const STOP: [&str; 8] = ["is", "of", "the", "a", "for", "and", "to", "in"];
    !text.is_empty()
        && text.len() <= 63
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !STOP.contains(&text)
}
