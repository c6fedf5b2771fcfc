//! The command policy: every command line from a model is checked here before any backend
//! sees it.
//!
//! A line is split as a shell would split it (no shell ever runs, and pipes, lists,
//! redirections and substitutions are refused by the splitter), then checked: only allowed
//! programs; for `kubectl`, no credential or cluster overrides, read-only verbs during
//! observation tasks, destructive verbs only when allowed, and writes only inside the namespace
//! scope; for `curl`, plain GET requests that write no files. A refusal names its reason, which
//! goes back to the agent as feedback.

use serde::{Deserialize, Serialize};

use crate::simulator::kubectl::shell;

/// Whether the task being run may change the deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Read-only: an observation task.
    Observation,
    /// State-changing verbs are allowed: an action task.
    Action,
}

impl std::str::FromStr for Phase {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "observation" => Ok(Phase::Observation),
            "action" => Ok(Phase::Action),
            other => Err(format!(
                "unknown phase {other:?}: expected observation or action"
            )),
        }
    }
}

/// The policy's settings; loadable from the `[policy]` table of a trial configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Programs a line may start with.
    pub programs: Vec<String>,
    /// When non-empty, the only namespaces a kubectl command may name.
    pub namespaces: Vec<String>,
    /// Namespaces no command may change.
    pub protected_namespaces: Vec<String>,
    /// Whether destructive verbs (`delete`, `drain`, ...) are allowed in action tasks.
    pub allow_destructive: bool,
    /// Resource kinds (plural names) that `kubectl delete` may never touch, even when
    /// destructive verbs are allowed. A delete that names `all`, or objects from files
    /// (`-f`, `-k`), is refused while this list is non-empty, since it could reach them.
    pub undeletable: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        let owned = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        Self {
            programs: owned(&["kubectl", "curl", "sleep"]),
            namespaces: Vec::new(),
            protected_namespaces: owned(&[
                "kube-system",
                "kube-public",
                "kube-node-lease",
                "monitoring",
            ]),
            allow_destructive: false,
            undeletable: owned(&["namespaces", "nodes", "services"]),
        }
    }
}

impl Policy {
    /// This policy narrowed for a live cluster: when it has no namespace scope of its own,
    /// commands may name only `namespaces` (an empty list leaves it as it is). Everything
    /// else, including the undeletable kinds, is kept.
    pub fn scoped_to(&self, namespaces: &[String]) -> Policy {
        let mut policy = self.clone();
        if policy.namespaces.is_empty() {
            policy.namespaces = namespaces.to_vec();
        }
        policy
    }
}

/// A line the policy refuses, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("refused by policy: {reason}")]
pub struct Refusal {
    /// The reason, in words an agent can act on.
    pub reason: String,
}

fn refuse(reason: impl Into<String>) -> Refusal {
    Refusal {
        reason: reason.into(),
    }
}

/// kubectl verbs that only read.
const READ_VERBS: &[&str] = &[
    "get",
    "describe",
    "logs",
    "top",
    "explain",
    "api-resources",
    "api-versions",
    "version",
    "cluster-info",
    "events",
];

/// kubectl verbs that change the deployment but can be undone.
const WRITE_VERBS: &[&str] = &[
    "scale",
    "set",
    "autoscale",
    "patch",
    "label",
    "annotate",
    "apply",
    "create",
    "replace",
];

/// kubectl verbs that destroy state.
const DESTRUCTIVE_VERBS: &[&str] = &["delete", "drain", "cordon", "uncordon", "taint"];

/// kubectl flags that change whose credentials or which cluster a command uses.
const OVERRIDE_FLAGS: &[&str] = &[
    "--kubeconfig",
    "--token",
    "--as",
    "--as-group",
    "--server",
    "-s",
    "--context",
    "--cluster",
    "--user",
    "--client-key",
    "--client-certificate",
    "--insecure-skip-tls-verify",
];

/// kubectl flags that take a value as the next word.
const VALUE_FLAGS: &[&str] = &[
    "-n",
    "--namespace",
    "-l",
    "--selector",
    "-o",
    "--output",
    "-f",
    "--filename",
    "-c",
    "--container",
    "--tail",
    "--since",
    "--field-selector",
    "--sort-by",
    "--type",
    "-p",
    "--patch",
    "-k",
    "--kustomize",
];

/// The one-letter flags of `arg` when it is a cluster of them (`-Aw`, `-ws URL`,
/// `-shttps://...`), as kubectl's flag parser reads it: each letter a flag, up to and
/// including the first that takes a value (the rest of the cluster, or the next word).
/// `None` for anything else (`--long`, a lone `-x`, `-x=value`).
fn shorthand_cluster(arg: &str) -> Option<Vec<char>> {
    let cluster = arg
        .strip_prefix('-')
        .filter(|c| c.chars().count() > 1 && !c.starts_with('-'))?;
    if cluster.chars().nth(1) == Some('=') {
        return None;
    }
    let mut flags = Vec::new();
    for c in cluster.chars() {
        flags.push(c);
        // -n, -l, -o, -f, -c, -p, -k and -s take a value.
        if "nlofcpks".contains(c) {
            break;
        }
    }
    Some(flags)
}

/// Whether a flag's inline value is one of the false spellings kubectl's flag parser
/// accepts for a boolean.
fn is_false(value: &str) -> bool {
    matches!(value, "0" | "f" | "F" | "false" | "FALSE" | "False")
}

impl Policy {
    /// Checks one line for a task of `phase`; on success returns the line's words.
    ///
    /// # Errors
    /// A [`Refusal`] with the reason.
    pub fn check(&self, line: &str, phase: Phase) -> Result<Vec<String>, Refusal> {
        let words = shell::split(line.trim()).map_err(|e| refuse(e.to_string()))?;
        let Some(program) = words.first() else {
            return Err(refuse("the line is empty"));
        };
        if !self.programs.iter().any(|p| p == program) {
            return Err(refuse(format!(
                "program {program:?} is not allowed; allowed programs are {}",
                self.programs.join(", ")
            )));
        }
        match program.as_str() {
            "kubectl" => self.check_kubectl(&words[1..], phase)?,
            "curl" => check_curl(&words[1..])?,
            _ => {}
        }
        Ok(words)
    }

    fn check_kubectl(&self, args: &[String], phase: Phase) -> Result<(), Refusal> {
        let mut positional: Vec<&str> = Vec::new();
        let mut namespaces: Vec<String> = Vec::new();
        let mut all_namespaces = false;
        let mut from_files = false;
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].as_str();
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with('-') => (f, Some(v.to_owned())),
                _ => (arg, None),
            };
            let cluster = shorthand_cluster(arg).unwrap_or_default();
            if OVERRIDE_FLAGS.contains(&flag) || cluster.contains(&'s') {
                let flag = if cluster.contains(&'s') { "-s" } else { flag };
                return Err(refuse(format!(
                    "flag {flag} changes the cluster or credentials and is not allowed"
                )));
            }
            if (flag == "-A" || flag == "--all-namespaces")
                && !inline.as_deref().is_some_and(is_false)
            {
                all_namespaces = true;
            }
            if cluster.contains(&'A') {
                all_namespaces = true;
            }
            if matches!(flag, "-f" | "--filename" | "-k" | "--kustomize") {
                from_files = true;
            }
            let value = if inline.is_some() {
                inline
            } else if VALUE_FLAGS.contains(&flag) {
                i += 1;
                args.get(i).cloned()
            } else if let Some(ns) = flag.strip_prefix("-n").filter(|v| !v.is_empty()) {
                // `-nsock-shop`: the short flag with its value attached.
                if !flag.starts_with("--") {
                    namespaces.push(ns.to_owned());
                }
                None
            } else {
                None
            };
            if matches!(flag, "-n" | "--namespace")
                && let Some(ns) = value
            {
                namespaces.push(ns);
            }
            if !arg.starts_with('-') {
                positional.push(arg);
            }
            i += 1;
        }

        let Some(&verb) = positional.first() else {
            return Ok(());
        };
        let sub = positional.get(1).copied().unwrap_or("");
        let reads = is_read(verb, sub);
        let writes = WRITE_VERBS.contains(&verb)
            || (verb == "rollout" && matches!(sub, "restart" | "undo" | "pause" | "resume"));
        let destroys = DESTRUCTIVE_VERBS.contains(&verb);
        if !(reads || writes || destroys) {
            return Err(refuse(format!(
                "kubectl {verb} is not allowed: it is interactive, opens a connection or is unknown to the policy"
            )));
        }
        if !reads && phase == Phase::Observation {
            return Err(refuse(format!(
                "kubectl {verb} changes the deployment; this is an observation task, use read-only commands"
            )));
        }
        if destroys && !self.allow_destructive {
            return Err(refuse(format!(
                "kubectl {verb} is destructive and not allowed in this run"
            )));
        }
        if verb == "delete" && !self.undeletable.is_empty() {
            self.check_delete_targets(&positional[1..], from_files)?;
        }
        if !reads && all_namespaces {
            return Err(refuse(
                "a state-changing command may not span all namespaces",
            ));
        }
        if all_namespaces && !self.namespaces.is_empty() {
            return Err(refuse(format!(
                "--all-namespaces reaches namespaces outside the allowed scope ({}); name one with -n",
                self.namespaces.join(", ")
            )));
        }
        for ns in &namespaces {
            if !self.namespaces.is_empty() && !self.namespaces.contains(ns) {
                return Err(refuse(format!(
                    "namespace {ns} is outside the allowed scope ({})",
                    self.namespaces.join(", ")
                )));
            }
            if !reads && self.protected_namespaces.contains(ns) {
                return Err(refuse(format!("namespace {ns} is protected from changes")));
            }
        }
        Ok(())
    }

    /// Refuses a delete whose targets (`TYPE NAME`, `TYPE/NAME`, `TYPE1,TYPE2`) include an
    /// undeletable kind, `all`, or objects read from files.
    fn check_delete_targets(&self, targets: &[&str], from_files: bool) -> Result<(), Refusal> {
        if from_files {
            return Err(refuse(format!(
                "kubectl delete with -f or -k may reach {}, which may not be deleted in this run",
                self.undeletable.join(", ")
            )));
        }
        let Some(first) = targets.first() else {
            return Ok(());
        };
        // The type is the first word (`pod x`) or the part before each slash (`pod/x svc/y`).
        let types: Vec<&str> = if first.contains('/') {
            targets
                .iter()
                .filter_map(|t| t.split_once('/').map(|(kind, _)| kind))
                .collect()
        } else {
            first.split(',').collect()
        };
        for kind in types {
            let plural = plural_kind(kind);
            if plural == "all" || self.undeletable.iter().any(|u| u == plural) {
                return Err(refuse(format!(
                    "kubectl delete of {kind} is not allowed: {} may never be deleted in this run",
                    self.undeletable.join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// The plural name of a kubectl resource type as typed (`svc`, `service`, `Services`,
/// `deploy.apps`), for the kinds the policy guards; other types come back lower-cased as typed.
fn plural_kind(typed: &str) -> &'static str {
    let lower = typed.to_ascii_lowercase();
    let base = lower.split('.').next().unwrap_or("");
    match base {
        "ns" | "namespace" | "namespaces" => "namespaces",
        "no" | "node" | "nodes" => "nodes",
        "svc" | "service" | "services" => "services",
        "all" => "all",
        "deploy" | "deployment" | "deployments" => "deployments",
        "po" | "pod" | "pods" => "pods",
        "rs" | "replicaset" | "replicasets" => "replicasets",
        "pv" | "persistentvolume" | "persistentvolumes" => "persistentvolumes",
        "pvc" | "persistentvolumeclaim" | "persistentvolumeclaims" => "persistentvolumeclaims",
        "crd" | "crds" | "customresourcedefinition" | "customresourcedefinitions" => {
            "customresourcedefinitions"
        }
        _ => "other",
    }
}

/// Whether a command line, split into words, may change the deployment: a kubectl verb the
/// policy does not count as read-only. curl (GET only, by the policy) and `sleep` do not.
pub fn changes_state(words: &[String]) -> bool {
    let Some((program, args)) = words.split_first() else {
        return false;
    };
    if program != "kubectl" {
        return false;
    }
    let positional: Vec<&str> = positional_words(args);
    let Some(&verb) = positional.first() else {
        return false;
    };
    let sub = positional.get(1).copied().unwrap_or("");
    !is_read(verb, sub)
}

/// The first kubectl flag in `args` that would change the cluster or credentials, if any.
pub fn cluster_override(args: &[String]) -> Option<&str> {
    args.iter().find_map(|a| {
        if shorthand_cluster(a).is_some_and(|c| c.contains(&'s')) {
            return Some("-s");
        }
        let flag = a.split_once('=').map_or(a.as_str(), |(f, _)| f);
        OVERRIDE_FLAGS.iter().find(|o| **o == flag).copied()
    })
}

fn is_read(verb: &str, sub: &str) -> bool {
    READ_VERBS.contains(&verb)
        || (verb == "rollout" && matches!(sub, "status" | "history"))
        || (verb == "config" && matches!(sub, "view" | "current-context" | "get-contexts"))
        || (verb == "auth" && sub == "can-i")
}

/// The words of a kubectl line that are not flags or flag values.
fn positional_words(args: &[String]) -> Vec<&str> {
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if arg.starts_with('-') {
            if !arg.contains('=') && VALUE_FLAGS.contains(&arg) {
                i += 1;
            }
        } else {
            positional.push(arg);
        }
        i += 1;
    }
    positional
}

/// curl: GET only (`-G` with `--data-urlencode` is a GET), no files written or read.
fn check_curl(args: &[String]) -> Result<(), Refusal> {
    let get = args.iter().any(|a| {
        a == "-G" || a == "--get" || (a.starts_with('-') && !a.starts_with("--") && a.contains('G'))
    });
    for (i, arg) in args.iter().enumerate() {
        let flag = arg.split_once('=').map_or(arg.as_str(), |(f, _)| f);
        match flag {
            "-o" | "--output" | "-O" | "--remote-name" | "-T" | "--upload-file" | "-K"
            | "--config" | "-F" | "--form" => {
                return Err(refuse(format!(
                    "curl {flag} reads or writes files and is not allowed"
                )));
            }
            "-X" | "--request" => {
                let method = args.get(i + 1).map(String::as_str).unwrap_or("");
                if !method.eq_ignore_ascii_case("GET") {
                    return Err(refuse(format!(
                        "curl may only send GET requests, not {method}"
                    )));
                }
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-urlencode" if !get => {
                return Err(refuse(format!(
                    "curl {flag} without -G sends a POST; add -G to send the data as a query string"
                )));
            }
            _ => {}
        }
    }
    if !args
        .iter()
        .any(|a| a.starts_with("http://") || a.starts_with("https://"))
    {
        return Err(refuse("curl needs an http:// or https:// URL"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;

    fn verdict(line: &str, phase: Phase) -> Result<(), String> {
        Policy::default()
            .check(line, phase)
            .map(|_| ())
            .map_err(|r| r.reason)
    }

    #[test]
    fn reads_pass_in_every_phase() {
        for phase in [Phase::Observation, Phase::Action] {
            assert!(verdict("kubectl get pods -n sock-shop -l name=catalogue", phase).is_ok());
            assert!(verdict("kubectl get svc -A", phase).is_ok());
            assert!(verdict(
                "curl -sG http://prometheus.monitoring:9090/api/v1/query --data-urlencode 'query=up'",
                phase
            )
            .is_ok());
        }
    }

    #[test]
    fn writes_are_refused_during_observation_with_the_reason() {
        let reason = verdict(
            "kubectl scale deployment catalogue --replicas=3 -n sock-shop",
            Phase::Observation,
        )
        .unwrap_err();
        assert!(reason.contains("observation task"), "{reason}");
        assert!(
            verdict(
                "kubectl scale deployment catalogue --replicas=3 -n sock-shop",
                Phase::Action
            )
            .is_ok()
        );
        assert!(
            verdict(
                "kubectl rollout restart deployment/catalogue -n sock-shop",
                Phase::Observation
            )
            .is_err()
        );
        assert!(
            verdict(
                "kubectl rollout status deployment/catalogue -n sock-shop",
                Phase::Observation
            )
            .is_ok()
        );
    }

    #[test]
    fn shells_programs_overrides_and_destruction_are_refused() {
        assert!(
            verdict("kubectl get pods | grep catalogue", Phase::Action)
                .unwrap_err()
                .contains("pipelines")
        );
        assert!(
            verdict("rm -rf /", Phase::Action)
                .unwrap_err()
                .contains("not allowed")
        );
        assert!(verdict("kubectl exec -it catalogue-1 -- sh", Phase::Action).is_err());
        assert!(verdict("kubectl get pods --kubeconfig=/tmp/k", Phase::Action).is_err());
        assert!(
            verdict("kubectl delete pod catalogue-1 -n sock-shop", Phase::Action)
                .unwrap_err()
                .contains("destructive")
        );
        assert!(
            verdict(
                "kubectl scale deploy prometheus --replicas=0 -n monitoring",
                Phase::Action
            )
            .unwrap_err()
            .contains("protected")
        );
        assert!(verdict("curl -d x=1 http://example.invalid", Phase::Observation).is_err());
        assert!(
            verdict(
                "curl -o /etc/passwd http://example.invalid",
                Phase::Observation
            )
            .is_err()
        );
    }

    #[test]
    fn destructive_verbs_pass_when_allowed() {
        let policy = Policy {
            allow_destructive: true,
            ..Policy::default()
        };
        assert!(
            policy
                .check("kubectl delete pod catalogue-1 -n sock-shop", Phase::Action)
                .is_ok()
        );
        assert!(
            policy
                .check(
                    "kubectl delete pod catalogue-1 -n sock-shop",
                    Phase::Observation
                )
                .is_err()
        );
    }

    #[test]
    fn namespaces_nodes_and_services_are_never_deleted_even_when_destruction_is_allowed() {
        let policy = Policy {
            allow_destructive: true,
            ..Policy::default()
        };
        for line in [
            "kubectl delete namespace sock-shop",
            "kubectl delete ns/sock-shop",
            "kubectl delete node kind-control-plane",
            "kubectl delete svc catalogue -n sock-shop",
            "kubectl delete pods,services --all -n sock-shop",
            "kubectl delete all --all -n sock-shop",
            "kubectl delete -f manifests/ -n sock-shop",
            "kubectl delete pod/catalogue-1 service/catalogue -n sock-shop",
        ] {
            let reason = policy.check(line, Phase::Action).unwrap_err().reason;
            assert!(reason.contains("kubectl delete"), "{line}: {reason}");
        }
        assert!(
            policy
                .check("kubectl delete pod/catalogue-1 -n sock-shop", Phase::Action)
                .is_ok()
        );
    }

    #[test]
    fn a_scoped_policy_refuses_other_namespaces_and_keeps_its_own_scope() {
        let scope = vec!["sock-shop".to_owned()];
        let live = Policy::default().scoped_to(&scope);
        assert!(
            live.check("kubectl get pods -n sock-shop", Phase::Observation)
                .is_ok()
        );
        let reason = live
            .check("kubectl get secrets -n kube-system", Phase::Observation)
            .unwrap_err()
            .reason;
        assert!(reason.contains("outside the allowed scope"), "{reason}");
        for line in [
            "kubectl get pods -A",
            "kubectl get secrets --all-namespaces",
            "kubectl top pods --all-namespaces=true",
            "kubectl get pods -Aw",
            "kubectl get pods -Ao wide",
            "kubectl get pods -wA",
        ] {
            let reason = live.check(line, Phase::Observation).unwrap_err().reason;
            assert!(reason.contains("name one with -n"), "{line}: {reason}");
        }
        // A value that happens to hold an A, and an explicit false, are not -A.
        for line in [
            "kubectl get pods -n sock-shop -lapp=A",
            "kubectl get pods -n sock-shop --all-namespaces=false",
            "kubectl get pods -n sock-shop -A=false",
            "kubectl get pods -n sock-shop -A=0",
            "kubectl get pods -nsock-shop",
        ] {
            assert!(live.check(line, Phase::Observation).is_ok(), "{line}");
        }
        // Without a scope, reads may span every namespace.
        assert!(
            Policy::default()
                .check("kubectl get pods -A", Phase::Observation)
                .is_ok()
        );
        let own = Policy {
            namespaces: vec!["shop".to_owned()],
            ..Policy::default()
        };
        assert_eq!(own.scoped_to(&scope).namespaces, ["shop"]);
        assert_eq!(Policy::default().scoped_to(&[]), Policy::default());
    }

    #[test]
    fn only_kubectl_writes_change_state() {
        let words = |line: &str| shell::split(line).unwrap();
        assert!(changes_state(&words(
            "kubectl -n sock-shop scale deploy catalogue --replicas=3"
        )));
        assert!(changes_state(&words(
            "kubectl rollout restart deploy/catalogue"
        )));
        assert!(!changes_state(&words(
            "kubectl rollout status deploy/catalogue"
        )));
        assert!(!changes_state(&words(
            "kubectl get pods -o wide -n sock-shop"
        )));
        assert!(!changes_state(&words(
            "curl -sG http://p:9090/api/v1/query"
        )));
        assert!(!changes_state(&words("sleep 5")));
        assert_eq!(
            cluster_override(&words("get pods --context=prod")[..]),
            Some("--context")
        );
        assert_eq!(cluster_override(&words("get pods -n x")[..]), None);
        // kubectl reads `-ws URL` as -w -s URL and `-sURL` as -s URL.
        for line in [
            "get pods -ws https://evil.invalid:443 -n sock-shop",
            "get pods -shttps://evil.invalid -n sock-shop",
        ] {
            assert_eq!(cluster_override(&words(line)[..]), Some("-s"), "{line}");
            let reason = Policy::default()
                .check(&format!("kubectl {line}"), Phase::Observation)
                .unwrap_err()
                .reason;
            assert!(
                reason.contains("flag -s changes the cluster"),
                "{line}: {reason}"
            );
        }
        assert_eq!(cluster_override(&words("get pods -nsock-shop")[..]), None);
    }

    proptest::proptest! {
        #[test]
        fn a_shell_operator_outside_quotes_is_always_refused(
            head in "kubectl get pods( -n [a-z-]{1,10})?",
            operator in proptest::sample::select(vec!["|", ";", "&&", "||", ">", "<", "$(", "`", "&"]),
            tail in "[a-z ]{0,12}",
            phase in proptest::sample::select(vec![Phase::Observation, Phase::Action]),
        ) {
            let line = format!("{head} {operator} {tail}");
            proptest::prop_assert!(Policy::default().check(&line, phase).is_err(), "{}", line);
        }

        #[test]
        fn any_get_in_a_namespace_is_allowed_while_observing(
            resource in proptest::sample::select(vec!["pods", "deployments", "services", "hpa", "events"]),
            namespace in "[a-z][a-z-]{0,12}",
        ) {
            let line = format!("kubectl get {resource} -n {namespace}");
            proptest::prop_assert!(Policy::default().check(&line, Phase::Observation).is_ok(), "{}", line);
        }
    }
}
