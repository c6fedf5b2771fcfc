//! Integration tests of the language-model layer: record and replay, secrets, budgets, and
//! the synthetic model's recovery over whole agent episodes against a scripted environment.

#![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.

#[path = "../llm_server/session.rs"]
mod session;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use odyssey::llm::protocol::{AgentReply, HistoryEntry, Prompt, Section, parse_agent};
use odyssey::llm::record::Recording;
use odyssey::llm::{
    BackendInfo, ChatFuture, ChatReply, ChatRequest, CostMeter, LanguageModel, LlmError, Metered,
    MistakeRates, OpenAiBackend, OpenAiConfig, OpenAiError, Price, PriceTable, RecordError,
    Recorder, RecordingHeader, ReplayError, Replayer, Role, SyntheticConfig, SyntheticModel, Usage,
};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("llm-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn header(model: &dyn LanguageModel) -> RecordingHeader {
    RecordingHeader::builder(&model.describe())
        .date("2026-12-03")
        .scenario("sock-shop-reference")
        .seed(5)
        .prompt_templates([("agent", "## Task\n{task}")])
        .build()
}

fn agent_request(task: &str) -> ChatRequest {
    let prompt = Prompt::new()
        .section(Section::Task, task)
        .section(Section::Service, "catalogue");
    ChatRequest::new(Role::Agent)
        .system("You operate Sock Shop.")
        .user(prompt.render())
}

fn run_requests() -> Vec<ChatRequest> {
    [
        "Report the P99 latency of catalogue",
        "Check the health of catalogue",
        "Scale catalogue to 3 replicas",
        "Roll back catalogue to the previous image",
    ]
    .iter()
    .map(|t| agent_request(t))
    .collect()
}

#[tokio::test]
async fn a_recorded_run_replays_byte_identically_and_reports_nothing_unused() {
    let path = scratch("run.jsonl");
    let synthetic = SyntheticModel::new(SyntheticConfig::with_seed(5));
    let recorder = Recorder::create(
        synthetic,
        &path,
        &header(&SyntheticModel::new(SyntheticConfig::with_seed(5))),
    )
    .unwrap();
    let mut live = Vec::new();
    for request in run_requests() {
        live.push(recorder.chat(&request).await.unwrap());
    }
    drop(recorder);

    let replayer = Replayer::open(&path).unwrap();
    assert_eq!(
        replayer.header().scenario.as_deref(),
        Some("sock-shop-reference")
    );
    let mut replayed = Vec::new();
    for request in run_requests() {
        replayed.push(replayer.chat(&request).await.unwrap());
    }
    assert_eq!(
        serde_json::to_vec(&live).unwrap(),
        serde_json::to_vec(&replayed).unwrap()
    );
    assert!(replayer.unused().is_empty());
}

#[tokio::test]
async fn replay_reports_recordings_never_asked_for() {
    let path = scratch("unused.jsonl");
    let recorder = Recorder::create(
        SyntheticModel::new(SyntheticConfig::default()),
        &path,
        &header(&SyntheticModel::new(SyntheticConfig::default())),
    )
    .unwrap();
    for request in run_requests() {
        recorder.chat(&request).await.unwrap();
    }
    let replayer = Replayer::open(&path).unwrap();
    replayer.chat(&run_requests()[0]).await.unwrap();
    let unused = replayer.unused();
    assert_eq!(unused.iter().map(|u| u.line).collect::<Vec<_>>(), [3, 4, 5]);
    assert!(unused.iter().all(|u| u.role == Role::Agent));
}

#[tokio::test]
async fn a_changed_prompt_fails_strict_replay_with_the_nearest_recording_and_a_diff() {
    let path = scratch("changed.jsonl");
    let recorder = Recorder::create(
        SyntheticModel::new(SyntheticConfig::default()),
        &path,
        &header(&SyntheticModel::new(SyntheticConfig::default())),
    )
    .unwrap();
    for request in run_requests() {
        recorder.chat(&request).await.unwrap();
    }
    let replayer = Replayer::open(&path).unwrap();
    let changed = agent_request("Report the P95 latency of catalogue");
    let error = replayer.chat(&changed).await.unwrap_err();
    let LlmError::Replay(ReplayError::NoRecording {
        nearest: Some(nearest),
        ..
    }) = &error
    else {
        panic!("unexpected error {error}");
    };
    assert_eq!(nearest.line, 2);
    let message = error.to_string();
    assert!(message.contains("nearest is line 2"), "{message}");
    assert!(
        message.contains("- Report the P99 latency of catalogue"),
        "{message}"
    );
    assert!(
        message.contains("+ Report the P95 latency of catalogue"),
        "{message}"
    );
}

#[tokio::test]
async fn a_truncated_or_corrupt_recording_is_an_error_naming_the_line_and_is_not_overwritten() {
    let path = scratch("corrupt.jsonl");
    let recorder = Recorder::create(
        SyntheticModel::new(SyntheticConfig::default()),
        &path,
        &header(&SyntheticModel::new(SyntheticConfig::default())),
    )
    .unwrap();
    for request in run_requests() {
        recorder.chat(&request).await.unwrap();
    }
    drop(recorder);

    // Cut the last line in half, as a crash during a write would.
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = text.len() - 40;
    std::fs::write(&path, &text[..cut]).unwrap();
    let error = Replayer::open(&path).unwrap_err();
    assert!(
        matches!(
            error,
            ReplayError::Read(RecordError::Corrupt { line: 5, .. })
        ),
        "{error}"
    );
    assert!(error.to_string().contains("corrupt at line 5"), "{error}");

    // Neither a new recorder nor a lenient replayer touches the file.
    let before = std::fs::read(&path).unwrap();
    let exists = Recorder::create(
        SyntheticModel::new(SyntheticConfig::default()),
        &path,
        &header(&SyntheticModel::new(SyntheticConfig::default())),
    );
    assert!(matches!(exists, Err(RecordError::Exists { .. })));
    assert!(
        Replayer::lenient(
            &path,
            Box::new(SyntheticModel::new(SyntheticConfig::default()))
        )
        .is_err()
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);

    // Garbage in the middle is named too.
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = "{not json";
    std::fs::write(&path, lines.join("\n")).unwrap();
    let error = Recording::load(&path).unwrap_err();
    assert!(
        matches!(error, RecordError::Corrupt { line: 3, .. }),
        "{error}"
    );
}

#[tokio::test]
async fn lenient_replay_asks_the_fallback_and_appends_the_new_exchange() {
    let path = scratch("lenient.jsonl");
    let recorder = Recorder::create(
        SyntheticModel::new(SyntheticConfig::default()),
        &path,
        &header(&SyntheticModel::new(SyntheticConfig::default())),
    )
    .unwrap();
    recorder.chat(&run_requests()[0]).await.unwrap();
    drop(recorder);

    let lenient = Replayer::lenient(
        &path,
        Box::new(SyntheticModel::new(SyntheticConfig::default())),
    )
    .unwrap();
    let new = agent_request("Report the CPU usage of catalogue");
    let first = lenient.chat(&new).await.unwrap();
    assert_eq!(lenient.chat(&new).await.unwrap(), first);
    drop(lenient);

    let strict = Replayer::open(&path).unwrap();
    assert_eq!(strict.chat(&new).await.unwrap(), first);
    assert_eq!(Recording::load(&path).unwrap().exchanges.len(), 2);
}

/// A backend that leaks its key into its reply, to check the recorder removes it.
struct Leaky;

const KEY: &str = "sk-live-0123456789abcdefghijklmnop";

impl LanguageModel for Leaky {
    fn chat<'a>(&'a self, request: &'a ChatRequest) -> ChatFuture<'a> {
        Box::pin(async move {
            Ok(ChatReply {
                text: format!(
                    "echo {} with Authorization: Bearer {KEY}",
                    request.last_user()
                ),
                usage: Usage {
                    prompt_tokens: 3,
                    completion_tokens: 4,
                },
                model: "leaky".to_owned(),
            })
        })
    }

    fn describe(&self) -> BackendInfo {
        BackendInfo {
            backend: "leaky".to_owned(),
            models: Default::default(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        vec![KEY.to_owned()]
    }
}

#[tokio::test]
async fn keys_and_tokens_never_enter_a_recording() {
    let path = scratch("secrets.jsonl");
    let recorder = Recorder::create(Leaky, &path, &header(&Leaky)).unwrap();
    let request = ChatRequest::new(Role::Agent).user(format!(
        "my key is {KEY}; curl -H 'Authorization: Bearer abc.def-ghi' http://x"
    ));
    let reply = recorder.chat(&request).await.unwrap();
    assert!(
        reply.text.contains(KEY),
        "the live reply is passed through unchanged"
    );

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(KEY), "{text}");
    assert!(!text.contains("abc.def-ghi"), "{text}");
    assert!(text.contains("[redacted]"));
    // The key of the exchange is still that of the request as asked.
    let replayer = Replayer::open(&path).unwrap();
    assert!(replayer.chat(&request).await.is_ok());
}

#[tokio::test]
async fn a_budget_cap_stops_a_trial_with_a_distinct_error() {
    let prices = PriceTable::default().with(
        "synthetic-1",
        Price {
            input_per_million: 1_000.0,
            output_per_million: 1_000.0,
        },
    );
    let meter = CostMeter::new(prices).with_budget_per_trial(0.05);
    let model = Metered::new(
        SyntheticModel::new(SyntheticConfig::default()),
        meter.clone(),
    );
    let context = odyssey::llm::CallContext {
        trial: Some("t1".into()),
        task: Some("p99".into()),
    };
    let mut calls = 0;
    let error = loop {
        let request = agent_request("Report the P99 latency of catalogue").context(context.clone());
        match model.chat(&request).await {
            Ok(_) => calls += 1,
            Err(error) => break error,
        }
        assert!(calls < 100, "the budget never ran out");
    };
    assert!(error.is_budget_exceeded(), "{error}");
    assert!(meter.trial_total("t1").usd >= 0.05);
    assert_eq!(meter.task_total("t1", "p99").calls, calls);
    assert!(meter.trial_total("t2").calls == 0);
}

#[tokio::test]
async fn the_recorded_small_model_session_replays_strictly_with_identical_replies() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("recordings/smollm2-sample.jsonl");
    let recording = Recording::load(&path).unwrap();
    assert_eq!(recording.header.backend, "openai");
    let replayer = Replayer::open(&path).unwrap();
    let requests = session::requests();
    assert_eq!(recording.exchanges.len(), requests.len());
    for (request, (_, exchange)) in requests.iter().zip(&recording.exchanges) {
        let reply = replayer.chat(request).await.unwrap();
        assert_eq!(reply, exchange.reply);
        assert!(reply.usage.prompt_tokens > 0);
    }
    assert!(replayer.unused().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Whole agent episodes against a scripted environment. The script knows the deployment's facts
// (namespace sock-shop, label name=..., job sock-shop/<svc>, request_duration_seconds); the
// synthetic model must find them from the outputs alone.

const PODS_ALL: &str =
    "NAMESPACE     NAME                            READY   STATUS    RESTARTS   AGE
kube-system   coredns-5d78c9869d-abcde        1/1     Running   0          3h
sock-shop     catalogue-6d8f9c7b5-x2x9k       1/1     Running   0          3h
sock-shop     front-end-5c9b8d7f6-zxcvb       1/1     Running   0          3h";

fn script(command: &str) -> String {
    let ns = if command.contains("--all-namespaces") || command.contains(" -A") {
        "*"
    } else if let Some(at) = command.find(" -n ") {
        command[at + 4..].split_whitespace().next().unwrap()
    } else {
        "default"
    };
    if command.starts_with("kubectl") {
        if command.contains("--replica=") {
            return "error: unknown flag: --replica\nSee 'kubectl scale --help' for usage.".into();
        }
        if ns == "*" {
            return PODS_ALL.into();
        }
        if command.starts_with("kubectl get namespaces") {
            return "NAME          STATUS   AGE\ndefault       Active   3h\nsock-shop     Active   3h".into();
        }
        if ns != "sock-shop" {
            return if command.contains("get pods") {
                format!("No resources found in {ns} namespace.")
            } else {
                "Error from server (NotFound): deployments.apps \"catalogue\" not found".into()
            };
        }
        if command.contains("--show-labels") {
            return "NAME                        READY   STATUS    RESTARTS   AGE   LABELS\ncatalogue-6d8f9c7b5-x2x9k   1/1     Running   0          3h    name=catalogue,pod-template-hash=6d8f9c7b5".into();
        }
        if command.contains("get pods") {
            return if command.contains("-l name=catalogue") || !command.contains("-l ") {
                "NAME                        READY   STATUS    RESTARTS   AGE\ncatalogue-6d8f9c7b5-x2x9k   1/1     Running   0          3h".into()
            } else {
                "No resources found in sock-shop namespace.".into()
            };
        }
        if command.starts_with("kubectl scale deployment catalogue --replicas=3") {
            return "deployment.apps/catalogue scaled".into();
        }
        if command.starts_with("kubectl rollout restart deployment/catalogue") {
            return "deployment.apps/catalogue restarted".into();
        }
        if command.starts_with("kubectl rollout undo deployment/catalogue") {
            return "deployment.apps/catalogue rolled back".into();
        }
        return "error: the script does not know this command".into();
    }
    if command.starts_with("curl") {
        if command.contains("?query=") {
            return "curl: (3) bad range in URL position 60:".into();
        }
        if !command.contains("http://prometheus.monitoring:9090") {
            return "curl: (6) Could not resolve host: wrong".into();
        }
        let cpu =
            "container_cpu_usage_seconds_total{namespace=\"sock-shop\",pod=~\"catalogue-.*\"}";
        let latency = "request_duration_seconds_bucket{job=\"sock-shop/catalogue\"}";
        if command.contains(cpu) || (command.contains(latency) && !command.contains("http_request"))
        {
            return r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1764770000,"0.0473"]}]}}"#.into();
        }
        return r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#.into();
    }
    "sh: command not found".into()
}

/// Runs one agent episode; returns the result fields and the number of commands.
fn episode(
    model: &SyntheticModel,
    task: &str,
) -> Option<(odyssey::llm::protocol::ResultFields, usize)> {
    let mut history: Vec<HistoryEntry> = Vec::new();
    for _ in 0..20 {
        let prompt = Prompt::new()
            .section(Section::Task, task)
            .section(Section::Service, "catalogue")
            .section(
                Section::RunningState,
                "Prometheus answers at http://prometheus.monitoring:9090",
            )
            .section(
                Section::History,
                history
                    .iter()
                    .map(HistoryEntry::render)
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
            .section(Section::ExpectedFormat, odyssey_expected(task));
        let request = ChatRequest::new(Role::Agent).user(prompt.render());
        match parse_agent(&model.answer(&request).text).unwrap() {
            AgentReply::Action(action) => {
                let output = script(&action.command);
                history.push(HistoryEntry {
                    command: action.command,
                    output,
                });
            }
            AgentReply::Result(result) => {
                if std::env::var("LLM_TEST_TRACE").is_ok() {
                    for e in &history {
                        eprintln!("$ {}\n{}", e.command, e.output);
                    }
                    eprintln!("=> {:?}\n", result.result);
                }
                return Some((result.result, history.len()));
            }
        }
    }
    None
}

fn odyssey_expected(task: &str) -> &'static str {
    if task.contains("P99") {
        r#"{"service": "catalogue", "p99_latency_seconds": 0.0}"#
    } else if task.contains("Scale") {
        r#"{"service": "catalogue", "replicas": 3}"#
    } else if task.contains("CPU") {
        r#"{"service": "catalogue", "cpu_cores": 0.0}"#
    } else if task.contains("Restart") || task.contains("Roll back") {
        r#"{"service": "catalogue", "done": true}"#
    } else {
        r#"{"service": "catalogue", "healthy": true}"#
    }
}

#[test]
fn synthetic_agents_find_the_deployment_facts_from_outputs_over_many_seeds() {
    let tasks = [
        "Report the P99 latency of catalogue",
        "Report the CPU usage of catalogue",
        "Check the health of catalogue",
        "Scale catalogue to 3 replicas",
        "Restart all the pods of catalogue",
        "Roll back catalogue to the previous image",
    ];
    for task in tasks {
        let mut solved = 0;
        let mut steps = 0;
        for seed in 0..40 {
            let config = SyntheticConfig {
                rates: MistakeRates {
                    wrong_format: 0.0,
                    ..MistakeRates::default()
                },
                ..SyntheticConfig::with_seed(seed)
            };
            let model = SyntheticModel::new(config);
            let Some((result, n)) = episode(&model, task) else {
                continue;
            };
            let right = match task {
                t if t.contains("P99") => {
                    result.get("p99_latency_seconds") == Some(&serde_json::json!(0.0473))
                }
                t if t.contains("Scale") => result.get("replicas") == Some(&serde_json::json!(3)),
                t if t.contains("CPU") => {
                    result.get("cpu_cores") == Some(&serde_json::json!(0.0473))
                }
                t if t.contains("Restart") || t.contains("Roll back") => {
                    result.get("done") == Some(&serde_json::json!(true))
                }
                _ => result.get("healthy") == Some(&serde_json::json!(true)),
            };
            if right {
                solved += 1;
                steps += n;
            }
        }
        assert!(solved >= 36, "{task}: solved {solved} of 40 seeds");
        eprintln!(
            "{task}: solved {solved}/40, mean {:.1} commands",
            steps as f64 / f64::from(solved)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The OpenAI-compatible backend against a scripted HTTP server on loopback: retries, refusals
// and an unreachable server, without a model.

/// Serves one scripted status per request (the last one repeats) and counts requests.
async fn scripted_server(statuses: Vec<u16>) -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let status = statuses[n.min(statuses.len() - 1)];
            tokio::spawn(async move {
                read_request(&mut stream).await;
                let body = if status == 200 {
                    r#"{"id":"x","object":"chat.completion","created":1,"model":"scripted","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":2,"total_tokens":13}}"#.to_owned()
                } else {
                    format!(
                        r#"{{"error":{{"message":"scripted failure {status}","type":"server_error","param":null,"code":null}}}}"#
                    )
                };
                let head = format!(
                    "HTTP/1.1 {status} Scripted\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(body.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (port, count)
}

async fn read_request(stream: &mut tokio::net::TcpStream) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).to_lowercase();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text
                .lines()
                .find_map(|l| {
                    l.strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return;
            }
        }
    }
}

fn scripted_backend(port: u16, max_retries: u32) -> OpenAiBackend {
    let config = OpenAiConfig {
        max_retries,
        initial_backoff_ms: 20,
        ..OpenAiConfig::default()
            .with_base_url(format!("http://127.0.0.1:{port}/v1"))
            .with_api_key("k")
    };
    OpenAiBackend::new(config).unwrap()
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_and_then_succeed() {
    // The client library retries a 5xx three times itself; the backend retries the whole call.
    let (port, count) = scripted_server(vec![503, 503, 503, 503, 503, 200]).await;
    let reply = scripted_backend(port, 2)
        .chat(&agent_request("hi"))
        .await
        .unwrap();
    assert_eq!(reply.text, "hello");
    assert_eq!(
        reply.usage,
        Usage {
            prompt_tokens: 11,
            completion_tokens: 2
        }
    );
    assert_eq!(count.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn retries_are_bounded_and_the_last_status_is_reported() {
    let (port, count) = scripted_server(vec![500]).await;
    let error = scripted_backend(port, 1)
        .chat(&agent_request("hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            LlmError::OpenAi(OpenAiError::Status {
                status: 500,
                attempts: 2,
                ..
            })
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("scripted failure 500"),
        "{error}"
    );
    assert_eq!(
        count.load(Ordering::SeqCst),
        8,
        "two calls of four attempts each"
    );
}

#[tokio::test]
async fn a_refusal_is_not_retried() {
    let (port, count) = scripted_server(vec![401]).await;
    let error = scripted_backend(port, 3)
        .chat(&agent_request("hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            LlmError::OpenAi(OpenAiError::Status {
                status: 401,
                attempts: 1,
                ..
            })
        ),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("refused the request with status 401"),
        "{error}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unreachable_server_is_a_clear_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = scripted_backend(port, 1)
        .chat(&agent_request("hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            LlmError::OpenAi(OpenAiError::Unreachable { attempts: 2, .. })
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains(&format!("127.0.0.1:{port}")),
        "{error}"
    );
}

#[test]
fn synthetic_episodes_are_identical_when_run_twice() {
    for seed in [1, 2, 3] {
        let model = SyntheticModel::new(SyntheticConfig::with_seed(seed));
        let first = episode(&model, "Report the P99 latency of catalogue");
        let again = episode(
            &SyntheticModel::new(SyntheticConfig::with_seed(seed)),
            "Report the P99 latency of catalogue",
        );
        assert_eq!(first, again, "seed {seed}");
    }
}
