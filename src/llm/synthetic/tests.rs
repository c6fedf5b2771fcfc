//! Unit and snapshot tests of the synthetic model, one fixed prompt per behaviour.

#![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.

use super::*;
use crate::llm::protocol::{
    AgentReply, HistoryEntry, ManagerReply, Plan, Prompt, Section, SkillKind, SkillProposal,
    parse_agent, parse_curator, parse_curriculum, parse_manager, parse_verdict,
};
use crate::llm::{ChatRequest, Role};
use serde_json::Value;

const PODS_ALL: &str =
    "NAMESPACE     NAME                            READY   STATUS    RESTARTS   AGE
kube-system   coredns-5d78c9869d-abcde        1/1     Running   0          3h
sock-shop     catalogue-6d8f9c7b5-x2x9k       1/1     Running   0          3h
sock-shop     catalogue-db-7f9d8c6b4-qwert    1/1     Running   0          3h
sock-shop     front-end-5c9b8d7f6-zxcvb       1/1     Running   0          3h";

const PODS_NS: &str = "NAME                        READY   STATUS    RESTARTS   AGE
catalogue-6d8f9c7b5-x2x9k   1/1     Running   0          3h";

const PROM_OK: &str = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1764770000,"0.0473"]}]}}"#;
const PROM_EMPTY: &str = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;

fn careful(seed: u64) -> SyntheticConfig {
    SyntheticConfig {
        rates: MistakeRates::none(),
        skill_adoption: 1.0,
        ..SyntheticConfig::with_seed(seed)
    }
}

fn ask(config: &SyntheticConfig, role: Role, prompt: &Prompt) -> String {
    let request = ChatRequest::new(role)
        .system("You operate Sock Shop.")
        .user(prompt.render());
    SyntheticModel::new(config.clone()).answer(&request).text
}

fn history(entries: &[(&str, &str)]) -> String {
    entries
        .iter()
        .map(|(c, o)| {
            HistoryEntry {
                command: (*c).to_owned(),
                output: (*o).to_owned(),
            }
            .render()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn agent_prompt(task: &str, entries: &[(&str, &str)]) -> Prompt {
    Prompt::new()
        .section(Section::Task, task)
        .section(Section::Service, "catalogue")
        .section(Section::History, history(entries))
}

fn command(text: &str) -> String {
    match parse_agent(text).unwrap() {
        AgentReply::Action(a) => a.command,
        AgentReply::Result(r) => panic!("expected a command, got a result {:?}", r.result),
    }
}

#[test]
fn same_request_gives_the_same_reply_in_any_order_and_thread() {
    let config = SyntheticConfig::with_seed(42);
    let prompts: Vec<Prompt> = [
        "Report the P99 latency of catalogue",
        "Check the health of front-end",
        "Scale catalogue to 3 replicas",
    ]
    .iter()
    .map(|t| agent_prompt(t, &[]))
    .collect();
    let forward: Vec<String> = prompts
        .iter()
        .map(|p| ask(&config, Role::Agent, p))
        .collect();
    let threaded: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = prompts
            .iter()
            .rev()
            .map(|p| scope.spawn(|| ask(&config, Role::Agent, p)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let backward: Vec<String> = threaded.into_iter().rev().collect();
    assert_eq!(forward, backward);
}

#[test]
fn seeds_change_the_guesses() {
    let prompt = agent_prompt("Report the P99 latency of catalogue", &[]);
    let replies: std::collections::BTreeSet<String> = (0..16)
        .map(|seed| ask(&careful(seed), Role::Agent, &prompt))
        .collect();
    assert!(replies.len() > 1, "sixteen seeds all guessed alike");
}

#[test]
fn agent_first_latency_query_is_a_guess_from_its_priors() {
    let text = ask(
        &careful(1),
        Role::Agent,
        &agent_prompt("Report the P99 latency of catalogue", &[]),
    );
    let cmd = command(&text);
    assert!(cmd.starts_with("curl -sG "), "{cmd}");
    assert!(
        cmd.contains("--data-urlencode 'query=histogram_quantile(0.99"),
        "{cmd}"
    );
    insta::assert_snapshot!("agent_latency_first_step", text);
}

#[test]
fn agent_leaves_a_namespace_that_has_no_resources_and_lists_all_namespaces() {
    let entries = [(
        "kubectl get pods -n default -l app=catalogue",
        "No resources found in default namespace.",
    )];
    let cmd = command(&ask(
        &careful(3),
        Role::Agent,
        &agent_prompt("Check the health of catalogue", &entries),
    ));
    assert_eq!(cmd, "kubectl get pods --all-namespaces");
}

#[test]
fn agent_takes_the_namespace_from_an_observed_table() {
    let entries = [
        (
            "kubectl get pods -n default -l app=catalogue",
            "No resources found in default namespace.",
        ),
        ("kubectl get pods --all-namespaces", PODS_ALL),
    ];
    let cmd = command(&ask(
        &careful(3),
        Role::Agent,
        &agent_prompt("Scale catalogue to 3 replicas", &entries),
    ));
    assert_eq!(
        cmd,
        "kubectl scale deployment catalogue --replicas=3 -n sock-shop"
    );
}

#[test]
fn agent_reports_health_from_a_pod_table_in_the_expected_format() {
    let entries = [("kubectl get pods -n sock-shop -l name=catalogue", PODS_NS)];
    let prompt = agent_prompt("Check the health of catalogue", &entries).section(
        Section::ExpectedFormat,
        r#"{"service": "catalogue", "healthy": true, "status": "Running"}"#,
    );
    let text = ask(&careful(5), Role::Agent, &prompt);
    let AgentReply::Result(result) = parse_agent(&text).unwrap() else {
        panic!("{text}")
    };
    assert_eq!(result.result["healthy"], true);
    assert_eq!(result.result["status"], "Running");
    insta::assert_snapshot!("agent_health_result", text);
}

#[test]
fn agent_encodes_the_query_after_curl_reports_a_bad_range() {
    let bad = "curl -s 'http://localhost:9090/api/v1/query?query=histogram_quantile(0.99, sum(rate(request_duration_seconds_bucket{job=\"catalogue\"}[5m])) by (le))'";
    let entries = [(bad, "curl: (3) bad range in URL position 120:")];
    let config = SyntheticConfig {
        rates: MistakeRates {
            unencoded_url: 1.0,
            ..MistakeRates::none()
        },
        ..careful(7)
    };
    let cmd = command(&ask(
        &config,
        Role::Agent,
        &agent_prompt("Report the P99 latency of catalogue", &entries),
    ));
    assert!(
        cmd.starts_with("curl -sG ") && cmd.contains("--data-urlencode"),
        "{cmd}"
    );
    // Without the complaint, the same configuration leaves the query unencoded.
    let first = command(&ask(
        &config,
        Role::Agent,
        &agent_prompt("Report the P99 latency of catalogue", &[]),
    ));
    assert!(
        first.contains("?query=") && !first.contains("--data-urlencode"),
        "{first}"
    );
}

#[test]
fn agent_tries_another_query_after_an_empty_result_and_reports_a_value() {
    let prompt = agent_prompt("Report the P99 latency of catalogue", &[]);
    let first = command(&ask(&careful(11), Role::Agent, &prompt));
    let second = command(&ask(
        &careful(11),
        Role::Agent,
        &agent_prompt(
            "Report the P99 latency of catalogue",
            &[(&first, PROM_EMPTY)],
        ),
    ));
    assert_ne!(first, second);

    let done = agent_prompt(
        "Report the P99 latency of catalogue",
        &[(&first, PROM_EMPTY), (&second, PROM_OK)],
    )
    .section(
        Section::ExpectedFormat,
        r#"{"service": "catalogue", "p99_latency_seconds": 0.0}"#,
    );
    let text = ask(&careful(11), Role::Agent, &done);
    let AgentReply::Result(result) = parse_agent(&text).unwrap() else {
        panic!("{text}")
    };
    assert_eq!(result.result["p99_latency_seconds"], 0.0473);
    assert_eq!(result.result["service"], "catalogue");
}

#[test]
fn agent_uses_a_configuration_skill_for_the_namespace_and_job() {
    let skill = SkillProposal {
        kind: SkillKind::Configuration,
        title: "Prometheus job label of catalogue".into(),
        body: "Series of catalogue carry job=\"sock-shop/catalogue\".".into(),
        command: None,
        when_to_use: "PromQL about catalogue".into(),
        service: "catalogue".into(),
    };
    let prompt = agent_prompt("Report the P99 latency of catalogue", &[])
        .section(Section::Skills, skill.render())
        .section(
            Section::RunningState,
            "Prometheus: http://prometheus.monitoring:9090",
        );
    let cmd = command(&ask(&careful(2), Role::Agent, &prompt));
    assert!(cmd.contains("job=\"sock-shop/catalogue\""), "{cmd}");
    assert!(
        cmd.contains("http://prometheus.monitoring:9090/api/v1/query"),
        "{cmd}"
    );
}

#[test]
fn agent_misspells_a_flag_until_kubectl_complains() {
    let config = SyntheticConfig {
        rates: MistakeRates {
            malformed_flag: 1.0,
            ..MistakeRates::none()
        },
        ..careful(4)
    };
    let state = "Pods in namespace sock-shop:\n".to_owned() + PODS_NS;
    let prompt = agent_prompt("Scale catalogue to 3 replicas", &[])
        .section(Section::RunningState, state.clone());
    let cmd = command(&ask(&config, Role::Agent, &prompt));
    assert_eq!(
        cmd,
        "kubectl scale deployment catalogue --replica=3 -n sock-shop"
    );

    let entries = [(
        cmd.as_str(),
        "error: unknown flag: --replica\nSee 'kubectl scale --help' for usage.",
    )];
    let prompt = agent_prompt("Scale catalogue to 3 replicas", &entries)
        .section(Section::RunningState, state);
    let cmd = command(&ask(&config, Role::Agent, &prompt));
    assert_eq!(
        cmd,
        "kubectl scale deployment catalogue --replicas=3 -n sock-shop"
    );
}

#[test]
fn agent_reports_in_its_own_format_until_peer_feedback_names_the_format() {
    let config = SyntheticConfig {
        rates: MistakeRates {
            wrong_format: 1.0,
            ..MistakeRates::none()
        },
        ..careful(9)
    };
    let entries = [(
        "kubectl scale deployment catalogue --replicas=3 -n sock-shop",
        "deployment.apps/catalogue scaled",
    )];
    let format = r#"{"service": "catalogue", "replicas": 3}"#;
    let prompt = agent_prompt("Scale catalogue to 3 replicas", &entries)
        .section(Section::ExpectedFormat, format);
    let AgentReply::Result(wrong) = parse_agent(&ask(&config, Role::Agent, &prompt)).unwrap()
    else {
        panic!()
    };
    assert!(!wrong.result.contains_key("replicas"));

    let prompt = prompt.section(
        Section::Feedback,
        "The manager expected the format {\"service\", \"replicas\"}.",
    );
    let AgentReply::Result(right) = parse_agent(&ask(&config, Role::Agent, &prompt)).unwrap()
    else {
        panic!()
    };
    assert_eq!(right.result["replicas"], 3);
}

#[test]
fn agent_falls_back_gracefully_on_an_unfamiliar_task() {
    let text = ask(
        &careful(1),
        Role::Agent,
        &Prompt::new().section(Section::Task, "Write a poem about socks"),
    );
    assert!(command(&text).starts_with("kubectl get pods"), "{text}");
    insta::assert_snapshot!("agent_unfamiliar_task", text);
}

#[test]
fn agent_rolls_back_to_a_named_version_after_reading_the_image() {
    let wide = "NAME        READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES                              SELECTOR
catalogue   1/1     1            1           3h    catalogue    weaveworksdemos/catalogue:0.3.5     name=catalogue";
    let task = "Rollback the image version of catalogue to version 0.3.4.";
    let entries = [(
        "kubectl get deployment catalogue -n sock-shop -o wide",
        wide,
    )];
    let cmd = command(&ask(
        &careful(1),
        Role::Agent,
        &agent_prompt(task, &entries),
    ));
    assert_eq!(
        cmd,
        "kubectl set image deployment/catalogue catalogue=weaveworksdemos/catalogue:0.3.4 -n sock-shop"
    );
}

#[test]
fn manager_plans_one_part_per_service_and_combines_results() {
    let prompt = Prompt::new().section(Section::Task, "Report the P99 latency of catalogue");
    let text = ask(&careful(1), Role::Manager, &prompt);
    let ManagerReply::Plan(plan) = parse_manager(&text).unwrap() else {
        panic!("{text}")
    };
    assert_eq!(plan.parts.len(), 1);
    assert_eq!(plan.parts[0].service, "catalogue");
    assert!(
        plan.parts[0]
            .expected_format
            .contains("p99_latency_seconds")
    );
    insta::assert_snapshot!("manager_plan", text);

    let combine = prompt.section(
        Section::Results,
        "- catalogue: {\"service\": \"catalogue\", \"p99_latency_seconds\": 0.0473}",
    );
    let text = ask(&careful(1), Role::Manager, &combine);
    let ManagerReply::Final(answer) = parse_manager(&text).unwrap() else {
        panic!("{text}")
    };
    assert_eq!(answer.result["p99_latency_seconds"], 0.0473);
    insta::assert_snapshot!("manager_final", text);
}

#[test]
fn manager_decomposes_poorly_at_its_rate_but_not_after_feedback() {
    let config = SyntheticConfig {
        rates: MistakeRates {
            poor_decomposition: 1.0,
            ..MistakeRates::none()
        },
        ..careful(1)
    };
    let prompt = Prompt::new().section(Section::Task, "Scale catalogue to 3 replicas");
    let good = Plan::from(parse_manager(&ask(&careful(1), Role::Manager, &prompt)).unwrap());
    let poor = Plan::from(parse_manager(&ask(&config, Role::Manager, &prompt)).unwrap());
    assert_ne!(good, poor);
    let fed_back = prompt.section(Section::Feedback, "Part 1 failed twice; decompose again.");
    let again = Plan::from(parse_manager(&ask(&config, Role::Manager, &fed_back)).unwrap());
    assert_eq!(good, again);
}

impl From<ManagerReply> for Plan {
    fn from(reply: ManagerReply) -> Plan {
        match reply {
            ManagerReply::Plan(plan) => plan,
            ManagerReply::Final(_) => panic!("expected a plan"),
        }
    }
}

#[test]
fn curriculum_proposes_easy_observations_first_and_actions_after_successes() {
    let state = "Services: catalogue, front-end";
    let first = Prompt::new().section(Section::RunningState, state);
    let text = ask(&careful(1), Role::Curriculum, &first);
    let tasks = parse_curriculum(&text).unwrap().tasks;
    assert_eq!(tasks.len(), 3);
    assert!(
        tasks
            .iter()
            .all(|t| t.kind == crate::llm::protocol::TaskKind::Observation)
    );
    insta::assert_snapshot!("curriculum_first_round", text);

    // Every kind of observation tried and most of them done: harder tasks, actions among them.
    let later = first.section(
        Section::PreviousTasks,
        "- [success] Check the health of catalogue\n- [success] Report the number of ready replicas of front-end\n- [success] Report the CPU usage of front-end\n- [success] Report the memory usage of catalogue\n- [success] Report the P99 latency of catalogue",
    );
    for seed in 1..=5 {
        let tasks = parse_curriculum(&ask(&careful(seed), Role::Curriculum, &later))
            .unwrap()
            .tasks;
        assert!(
            tasks
                .iter()
                .all(|t| t.description != "Check the health of catalogue")
        );
        assert!(
            tasks.iter().all(|t| t.difficulty >= 2),
            "seed {seed}: {tasks:?}"
        );
    }
}

#[test]
fn curriculum_tries_every_kind_of_observation_before_any_action() {
    let state = "Services: catalogue, front-end";
    // Three successes, but neither memory nor ready replicas tried yet.
    let prompt = Prompt::new().section(Section::RunningState, state).section(
        Section::PreviousTasks,
        "- [success] Check the health of catalogue\n- [success] Report the CPU usage of front-end\n- [success] Report the P99 latency of catalogue",
    );
    let mut untried_kinds = 0;
    for seed in 1..=10 {
        let tasks = parse_curriculum(&ask(&careful(seed), Role::Curriculum, &prompt))
            .unwrap()
            .tasks;
        assert!(
            tasks
                .iter()
                .all(|t| t.kind == crate::llm::protocol::TaskKind::Observation),
            "seed {seed}: {tasks:?}"
        );
        untried_kinds += tasks
            .iter()
            .filter(|t| t.description.contains("memory") || t.description.contains("replicas"))
            .count();
    }
    // Kinds never tried are proposed more often than their share of the candidates (4 of 7).
    assert!(untried_kinds > 15, "{untried_kinds} of 30 proposals");
}

fn prom_value(value: f64) -> String {
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[1764770000,"{value}"]}}]}}}}"#
    )
}

const P99_QUERY: &str = "curl -sG http://prometheus.monitoring:9090/api/v1/query --data-urlencode 'query=histogram_quantile(0.99, sum(rate(request_duration_seconds_bucket{job=\"sock-shop/catalogue\"}[5m])) by (le))'";

#[test]
fn agent_does_not_answer_a_cpu_question_with_an_autoscale_skill() {
    // The autoscale command contains `--cpu-percent`; it measures nothing.
    let skill = SkillProposal {
        kind: SkillKind::Command,
        title: "Enable auto-scaling of catalogue (command)".into(),
        body: "`kubectl autoscale deployment catalogue --cpu-percent=50 --min=1 --max=5 -n sock-shop` answered the task.".into(),
        command: Some(
            "kubectl autoscale deployment catalogue --cpu-percent=50 --min=1 --max=5 -n sock-shop"
                .into(),
        ),
        when_to_use: "auto-scaling of catalogue".into(),
        service: "catalogue".into(),
    };
    let prompt = agent_prompt("Report the cpu usage of your microservice component.", &[])
        .section(Section::Skills, skill.render());
    for seed in 1..=5 {
        let cmd = command(&ask(&careful(seed), Role::Agent, &prompt));
        assert!(cmd.contains("/api/v1/query"), "seed {seed}: {cmd}");
    }
}

#[test]
fn agent_measures_the_latency_then_scales_out_in_proportion() {
    let task = "Reduce your microservice component P99 latency below 300ms.";
    let listed = ("kubectl get pods -n sock-shop", PODS_NS);

    // First the measurement.
    let cmd = command(&ask(
        &careful(3),
        Role::Agent,
        &agent_prompt(task, &[listed]),
    ));
    assert!(cmd.contains("histogram_quantile(0.99"), "{cmd}");

    // 0.42 s against 0.3 s: twice the ratio 1.4, 3 replicas, in the observed namespace.
    let over = prom_value(0.42);
    let prompt = agent_prompt(task, &[listed, (P99_QUERY, over.as_str())]);
    let cmd = command(&ask(&careful(3), Role::Agent, &prompt));
    assert_eq!(
        cmd,
        "kubectl scale deployment catalogue --replicas=3 -n sock-shop"
    );

    // Under the bound already: nothing to change, and the reply says so.
    let under = prom_value(0.2);
    let prompt = agent_prompt(task, &[listed, (P99_QUERY, under.as_str())]);
    match parse_agent(&ask(&careful(3), Role::Agent, &prompt)).unwrap() {
        AgentReply::Result(r) => {
            assert_eq!(r.result.get("no_action_needed"), Some(&Value::Bool(true)));
        }
        AgentReply::Action(a) => panic!("expected a result, got `{}`", a.command),
    }
}

#[test]
fn agent_sets_an_autoscaler_when_the_task_says_traffic_keeps_rising() {
    let task =
        "Traffic to your microservice component is increasing; keep its P99 latency below 300ms.";
    let listed = ("kubectl get pods -n sock-shop", PODS_NS);
    let now = prom_value(0.2);
    let prompt = agent_prompt(task, &[listed, (P99_QUERY, now.as_str())]);
    let cmd = command(&ask(&careful(3), Role::Agent, &prompt));
    assert!(
        cmd.starts_with("kubectl autoscale deployment catalogue") && cmd.contains("-n sock-shop"),
        "{cmd}"
    );
}

#[test]
fn curator_turns_an_execution_into_command_configuration_and_reflection_skills() {
    let bad = "curl -sG http://localhost:9090/api/v1/query --data-urlencode 'query=histogram_quantile(0.99, sum(rate(request_duration_seconds_bucket{job=\"catalogue\"}[5m])) by (le))'";
    let good = "curl -sG http://localhost:9090/api/v1/query --data-urlencode 'query=histogram_quantile(0.99, sum(rate(request_duration_seconds_bucket{job=\"sock-shop/catalogue\"}[5m])) by (le))'";
    let prompt = Prompt::new()
        .section(Section::Task, "Report the P99 latency of catalogue")
        .section(Section::Service, "catalogue")
        .section(
            Section::Execution,
            history(&[(bad, PROM_EMPTY), (good, PROM_OK)]),
        );
    let text = ask(&careful(1), Role::Curator, &prompt);
    let skills = parse_curator(&text).unwrap().skills;
    let kinds: Vec<SkillKind> = skills.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [
            SkillKind::Command,
            SkillKind::Configuration,
            SkillKind::Reflection
        ]
    );
    assert!(skills[1].body.contains("sock-shop/catalogue"));
    insta::assert_snapshot!("curator_skills", text);
}

#[test]
fn verifier_accepts_a_complete_result_and_rejects_a_failed_command() {
    let ok = Prompt::new()
        .section(Section::Task, "Scale catalogue to 3 replicas")
        .section(
            Section::Execution,
            history(&[(
                "kubectl scale deployment catalogue --replicas=3 -n sock-shop",
                "deployment.apps/catalogue scaled",
            )]),
        )
        .section(
            Section::Results,
            "{\"service\": \"catalogue\", \"replicas\": 3}",
        );
    assert!(
        parse_verdict(&ask(&careful(1), Role::Verifier, &ok))
            .unwrap()
            .success
    );

    let failed = Prompt::new()
        .section(Section::Task, "Scale catalogue to 3 replicas")
        .section(
            Section::Execution,
            history(&[(
                "kubectl scale deployment catalogue --replica=3",
                "error: unknown flag: --replica",
            )]),
        )
        .section(
            Section::Results,
            "{\"service\": \"catalogue\", \"replicas\": 3}",
        );
    let verdict = parse_verdict(&ask(&careful(1), Role::Verifier, &failed)).unwrap();
    assert!(!verdict.success);
    insta::assert_snapshot!("verifier_failed", verdict.reason);
}

#[test]
fn the_synthetic_model_reads_no_simulator_or_scenario() {
    // It may only see the request; a dependency on the simulated world would be a side channel.
    let sources = [
        include_str!("mod.rs"),
        include_str!("agent.rs"),
        include_str!("curator.rs"),
        include_str!("curriculum.rs"),
        include_str!("evidence.rs"),
        include_str!("intent.rs"),
        include_str!("knowledge.rs"),
        include_str!("manager.rs"),
        include_str!("observe.rs"),
        include_str!("verifier.rs"),
    ];
    let forbidden = [
        "odyssey_simulator",
        "crate::simulator",
        "scenarios/",
        "std::fs",
        "SystemTime",
        "Instant::now",
        "thread_rng",
        "OsRng",
    ];
    for source in sources {
        for word in forbidden {
            assert!(
                !source.contains(word),
                "the synthetic model mentions {word}"
            );
        }
    }
}

#[test]
fn manager_sends_a_task_about_your_component_to_every_service_in_the_running_state() {
    let prompt = Prompt::new()
        .section(
            Section::Task,
            "Check whether your microservice component performance is normal immediately.",
        )
        .section(
            Section::RunningState,
            "Services under management: catalogue, front-end",
        );
    let ManagerReply::Plan(plan) =
        parse_manager(&ask(&careful(1), Role::Manager, &prompt)).unwrap()
    else {
        panic!()
    };
    let services: Vec<&str> = plan.parts.iter().map(|p| p.service.as_str()).collect();
    assert_eq!(services, ["front-end", "catalogue"]);
}
