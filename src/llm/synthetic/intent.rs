//! What a task sentence asks for, as the synthetic model understands it.

use super::knowledge::Knowledge;

/// The synthetic model's reading of a task sentence.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Intent {
    /// A latency quantile, e.g. 0.99.
    Latency(f64),
    /// CPU usage.
    Cpu,
    /// Memory usage.
    Memory,
    /// Whether the pods are healthy.
    Health,
    /// How many replicas are ready.
    Replicas,
    /// Scale to a number of replicas.
    Scale(u32),
    /// Horizontal auto-scaling.
    Autoscale,
    /// Roll back, to a given image tag if named.
    Rollback(Option<String>),
    /// Restart the pods.
    Restart,
    /// Set an environment variable.
    SetEnv(String, String),
    /// Read logs.
    Logs,
    /// Bring a measured quantity under a bound by adding replicas: measure, then scale out.
    Relieve(Goal),
    /// Anything else.
    ///
    /// TODO: two evaluation tasks land here or in a read-only intent and fail in every round.
    /// "Create a deployment using your deployment YAML file" needs the manifest's path (the
    /// simulator applies `manifests/05-catalogue-dep.yaml`), which nothing in the prompt names
    /// and no command the policy allows can list; the fix is a running state that names the
    /// deployment's manifest files, which a Configuration skill could then carry. "Mitigate the
    /// pod failure" reads as a replica count: the simulator's pod-failure fault holds every pod
    /// of the deployment and no kubectl verb removes it, so there is no mitigation to learn.
    Unknown,
}

/// What a [`Intent::Relieve`] task must bring under its bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Goal {
    /// The P99 latency under this many seconds.
    Latency(f64),
    /// The average CPU usage per pod under this fraction of the CPU limit.
    CpuShare(f64),
}

impl Intent {
    /// Reads a task sentence.
    pub(crate) fn of(task: &str) -> Intent {
        let t = task.to_lowercase();
        let has = |w: &str| t.contains(w);
        let word = |w: &str| contains_word(&t, w);
        if has("auto-scal") || has("autoscal") || word("hpa") {
            return Intent::Autoscale;
        }
        if has("scale") {
            if let Some(n) = number_after(&t, "to ") {
                return Intent::Scale(n);
            }
            return Intent::Scale(number_anywhere(&t).unwrap_or(2));
        }
        if has("roll back") || has("rollback") || has("revert") || has("previous image") {
            return Intent::Rollback(version_in(&t));
        }
        if has("restart") {
            return Intent::Restart;
        }
        if has("environment variable") || word("env") {
            return env_assignment(task).map_or(Intent::Unknown, |(k, v)| Intent::SetEnv(k, v));
        }
        // "Reduce X below B", "keep X below B": a bound to bring a metric under.
        let lowers = has("reduce") || has("keep") || has("lower");
        let bounded = has("below") || has("lower than") || has("under ");
        if lowers && bounded {
            if has("latency")
                && let Some(ms) = number_before(&t, "ms")
            {
                return Intent::Relieve(Goal::Latency(f64::from(ms) / 1000.0));
            }
            if has("cpu")
                && let Some(percent) = number_before(&t, "%")
            {
                return Intent::Relieve(Goal::CpuShare(f64::from(percent) / 100.0));
            }
        }
        if has("latency") || has("percentile") || has("performance") || quantile_in(&t).is_some() {
            return Intent::Latency(quantile_in(&t).unwrap_or(0.99));
        }
        if has("cpu") {
            return Intent::Cpu;
        }
        if has("memory") {
            return Intent::Memory;
        }
        if word("log") || word("logs") {
            return Intent::Logs;
        }
        if has("replica") {
            return Intent::Replicas;
        }
        if has("health") || has("status") || has("running") {
            return Intent::Health;
        }
        Intent::Unknown
    }

    /// Whether the intent changes the deployment.
    pub(crate) fn is_action(&self) -> bool {
        matches!(
            self,
            Intent::Scale(_)
                | Intent::Autoscale
                | Intent::Rollback(_)
                | Intent::Restart
                | Intent::SetEnv(..)
                | Intent::Relieve(_)
        )
    }

    /// What a task of this intent is about, in the words other task sentences use for it: a
    /// curator writes this into a skill's "when to use" so that the skill is found for a
    /// task that says the same thing in other words.
    pub(crate) fn topic(&self, service: &str) -> String {
        let about = match self {
            Intent::Latency(_) => "the P99 latency, response time and performance",
            Intent::Cpu => "the CPU usage and load",
            Intent::Memory => "the memory usage",
            Intent::Health => "the health, status and readiness",
            Intent::Replicas => "the ready replicas",
            Intent::Scale(_) => "scaling the replicas",
            Intent::Autoscale => "auto-scaling",
            Intent::Rollback(_) => "rolling back the image version",
            Intent::Restart => "restarting the pods",
            Intent::SetEnv(..) => "setting environment variables of the deployment",
            Intent::Logs => "the logs",
            Intent::Relieve(Goal::Latency(_)) => {
                "reducing the P99 latency by scaling out; measuring the latency"
            }
            Intent::Relieve(Goal::CpuShare(_)) => {
                "reducing the CPU usage by scaling out; measuring the CPU usage"
            }
            Intent::Unknown => return format!("tasks about {service}"),
        };
        format!("{about} of {service}")
    }

    /// The expected result format a manager asks of an agent for this intent.
    pub(crate) fn result_format(&self, service: &str) -> String {
        let body = match self {
            Intent::Latency(q) => {
                format!("\"p{}_latency_seconds\": 0.0", (q * 100.0).round() as u32)
            }
            Intent::Cpu => "\"cpu_cores\": 0.0".to_owned(),
            Intent::Memory => "\"memory_bytes\": 0".to_owned(),
            Intent::Health => {
                "\"healthy\": true, \"ready\": \"1/1\", \"status\": \"Running\"".to_owned()
            }
            Intent::Replicas => "\"ready_replicas\": 0".to_owned(),
            Intent::Scale(n) => format!("\"replicas\": {n}"),
            Intent::Logs => "\"error_lines\": 0".to_owned(),
            Intent::Unknown => "\"summary\": \"\"".to_owned(),
            _ => "\"done\": true".to_owned(),
        };
        format!("{{\"service\": \"{service}\", {body}}}")
    }
}

/// The service a text is about: the longest known name appearing as a whole word, else the
/// word after "of ".
pub(crate) fn service_in(text: &str, knowledge: &Knowledge, extra: &[String]) -> Option<String> {
    let lower = text.to_lowercase();
    let mut names: Vec<&String> = knowledge
        .services
        .known
        .iter()
        .chain(extra.iter())
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in names {
        if contains_word(&lower, name) {
            return Some(name.clone());
        }
    }
    let after = lower.split(" of ").nth(1)?;
    let word: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// Whether `word` appears in `text` delimited by non-name characters.
pub(crate) fn contains_word(text: &str, word: &str) -> bool {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_name) && !after.is_some_and(is_name)
    })
}

fn quantile_in(t: &str) -> Option<f64> {
    for (at, _) in t.match_indices('p') {
        let digits: String = t[at + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if (2..=3).contains(&digits.len())
            && !t[..at].ends_with(|c: char| c.is_ascii_alphanumeric())
        {
            let n: f64 = digits.parse().ok()?;
            return Some(if digits.len() == 2 {
                n / 100.0
            } else {
                n / 1000.0
            });
        }
    }
    None
}

fn number_after(t: &str, marker: &str) -> Option<u32> {
    t.match_indices(marker).find_map(|(at, _)| {
        let digits: String = t[at + marker.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}

/// The whole number written just before `unit` (`300ms`, `300 ms`, `30%`).
fn number_before(t: &str, unit: &str) -> Option<u32> {
    t.match_indices(unit).find_map(|(at, _)| {
        let head = t[..at].trim_end();
        let digits: String = head
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        digits.parse().ok()
    })
}

fn number_anywhere(t: &str) -> Option<u32> {
    t.split(|c: char| !c.is_ascii_digit())
        .find(|s| !s.is_empty())?
        .parse()
        .ok()
}

fn version_in(t: &str) -> Option<String> {
    if !t.contains("version") {
        return None;
    }
    let after = t.rsplit("version").next()?;
    let v: String = after
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let v = v.trim_end_matches('.').to_owned();
    (v.chars().any(|c| c.is_ascii_digit())).then_some(v)
}

/// `... variable logger_flag to true ...` → (`logger_flag`, `true`).
fn env_assignment(task: &str) -> Option<(String, String)> {
    let words: Vec<&str> = task.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| w.eq_ignore_ascii_case("variable"))?;
    let key = words
        .get(at + 1)?
        .trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_');
    let to = words
        .iter()
        .skip(at + 2)
        .position(|w| w.eq_ignore_ascii_case("to"))?
        + at
        + 2;
    let value = words.get(to + 1)?.trim_end_matches(['.', ',']);
    Some((key.to_owned(), value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sock_shop_task_sentences_are_understood() {
        assert_eq!(
            Intent::of("Report the P99 latency of catalogue"),
            Intent::Latency(0.99)
        );
        assert_eq!(
            Intent::of("Scale catalogue to 3 replicas"),
            Intent::Scale(3)
        );
        assert_eq!(Intent::of("Check the health of front-end"), Intent::Health);
        assert_eq!(Intent::of("Report the CPU usage of catalogue"), Intent::Cpu);
        assert_eq!(
            Intent::of("Roll back catalogue to the previous image"),
            Intent::Rollback(None)
        );
        assert_eq!(
            Intent::of(
                "Rollback the image version of your microservice component to version 0.3.4."
            ),
            Intent::Rollback(Some("0.3.4".into()))
        );
        assert_eq!(
            Intent::of(
                "Update your deployment and set the environment variable logger_flag to true."
            ),
            Intent::SetEnv("logger_flag".into(), "true".into())
        );
        assert_eq!(
            Intent::of("Reduce your microservice component P99 latency below 300ms."),
            Intent::Relieve(Goal::Latency(0.3))
        );
        assert_eq!(
            Intent::of(
                "Traffic to your microservice component is increasing; keep its P99 latency below 300ms."
            ),
            Intent::Relieve(Goal::Latency(0.3))
        );
        assert_eq!(
            Intent::of(
                "Reduce your microservice component average CPU usage lower than 30% resource limit."
            ),
            Intent::Relieve(Goal::CpuShare(0.3))
        );
        // A report of the same quantities is not a task to change anything.
        assert_eq!(
            Intent::of("Report the P99 latency of your microservice component."),
            Intent::Latency(0.99)
        );
        assert_eq!(Intent::of("Write a poem about socks"), Intent::Unknown);
    }

    #[test]
    fn services_are_found_as_whole_words() {
        let k = Knowledge::builtin();
        assert_eq!(
            service_in("Check catalogue-db now", &k, &[]).as_deref(),
            Some("catalogue-db")
        );
        assert_eq!(
            service_in("P99 of catalogue", &k, &[]).as_deref(),
            Some("catalogue")
        );
        assert_eq!(
            service_in("health of widget-api", &k, &[]).as_deref(),
            Some("widget-api")
        );
        assert_eq!(service_in("nothing here", &k, &[]), None);
    }
}
