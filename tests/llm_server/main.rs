//! The OpenAI-compatible backend against a real server with a real (tiny) model on loopback.
//!
//! Ignored by default: it needs llama.cpp's server from `llama-cpp-python[server]` and the
//! SmolLM2-135M-Instruct GGUF file, which `.ci/install-llm-server.sh` installs. Run it with
//!
//! ```text
//! .ci/install-llm-server.sh
//! cargo test -p service-odyssey --test llm_server -- --ignored --nocapture
//! ```
//!
//! `ODYSSEY_LLM_MODEL` overrides the model path (default
//! `/opt/odyssey/models/SmolLM2-135M-Instruct.Q4_1.gguf`), `ODYSSEY_PYTHON` the interpreter
//! (default `python3`). With `ODYSSEY_UPDATE_RECORDING=1` the recorded session replaces
//! `recordings/smollm2-sample.jsonl`, which the replay test in `tests/llm/` checks.
//!
//! A model this small answers badly; the test checks the wire, not the answers.

#![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.

mod session;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use odyssey::llm::{
    ChatRequest, LanguageModel, LlmError, OpenAiBackend, OpenAiConfig, OpenAiError, Recorder,
    RecordingHeader, Role,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "sk-odyssey-test-0123456789abcdef";

/// The server process; killed and reaped when dropped, on every path out of the test.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &Path) -> Server {
        let model = std::env::var("ODYSSEY_LLM_MODEL")
            .unwrap_or_else(|_| "/opt/odyssey/models/SmolLM2-135M-Instruct.Q4_1.gguf".to_owned());
        assert!(
            Path::new(&model).exists(),
            "no model at {model}; run .ci/install-llm-server.sh"
        );
        let python = std::env::var("ODYSSEY_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let port = free_port();
        let log = dir.join("llama-server.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(python)
            .args([
                "-m",
                "llama_cpp.server",
                "--model",
                &model,
                "--host",
                "127.0.0.1",
            ])
            .args([
                "--port",
                &port.to_string(),
                "--n_threads",
                "1",
                "--n_ctx",
                "1024",
            ])
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .expect("python3 runs");
        let mut server = Server { child, port, log };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("llama.cpp server exited with {status}:\n{log}");
            }
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::Read;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let request =
                    "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
                if stream.write_all(request.as_bytes()).is_ok() {
                    let mut answer = String::new();
                    let _ = stream.read_to_string(&mut answer);
                    if answer.starts_with("HTTP/1.1 200") {
                        return;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        panic!(
            "llama.cpp server not ready on port {} after 120 s",
            self.port
        );
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A loopback proxy that records the request head of every connection and forwards it.
async fn proxy(upstream: u16) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                let mut server = TcpStream::connect(("127.0.0.1", upstream)).await.unwrap();
                server.write_all(&head).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    (port, heads)
}

/// A writer that keeps every trace line, to search it for the key.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn config(base_url: &str) -> OpenAiConfig {
    OpenAiConfig {
        max_retries: 1,
        initial_backoff_ms: 50,
        timeout_secs: 60.0,
        legacy_max_tokens: true,
        ..OpenAiConfig::default()
    }
    .with_base_url(base_url)
    .with_api_key(KEY)
    .with_model(session::MODEL)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs llama.cpp's server and the SmolLM2 model: run .ci/install-llm-server.sh"]
async fn openai_backend_speaks_to_a_real_server_on_loopback() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("llm-server");
    std::fs::create_dir_all(&dir).unwrap();
    let traces = Captured::default();
    let writer = traces.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(move || writer.clone())
        .finish();
    let _trace_guard = tracing::subscriber::set_default(subscriber);

    let server = Server::start(&dir);
    let (proxy_port, heads) = proxy(server.port).await;
    let backend = OpenAiBackend::new(config(&format!("http://127.0.0.1:{proxy_port}/v1"))).unwrap();

    // A session through the recorder: usage comes from the server's reply.
    let recording = dir.join("smollm2-sample.jsonl");
    let _ = std::fs::remove_file(&recording);
    let header = RecordingHeader::builder(&backend.describe())
        .date("2026-12-03")
        .scenario("none: wire test against llama.cpp")
        .seed(7)
        .prompt_templates([("session", "tests/llm_server/session.rs")])
        .build();
    let recorder = Recorder::create(backend, &recording, &header).unwrap();
    for request in session::requests() {
        let reply = recorder.chat(&request).await.unwrap();
        eprintln!("{} -> {:?} ({:?})", request.role, reply.text, reply.usage);
        assert!(
            reply.usage.prompt_tokens > 0,
            "prompt tokens read from the reply"
        );
        assert!(
            reply.usage.completion_tokens > 0,
            "completion tokens read from the reply"
        );
        assert_eq!(reply.model, session::MODEL);
    }
    drop(recorder);

    // The key went out as a bearer token, and nowhere else.
    let heads = heads.lock().unwrap().clone();
    assert!(!heads.is_empty());
    let bearer = format!("authorization: bearer {}", KEY.to_lowercase());
    assert!(
        heads.iter().all(|h| h.to_lowercase().contains(&bearer)),
        "{heads:?}"
    );
    let recorded = std::fs::read_to_string(&recording).unwrap();
    assert!(!recorded.contains(KEY));
    assert!(!recorded.contains("Bearer"));
    let logged = String::from_utf8_lossy(&traces.0.lock().unwrap()).into_owned();
    assert!(
        logged.contains("chat completion"),
        "the backend traced its calls"
    );
    assert!(!logged.contains(KEY), "the key appears in a trace");

    // An unknown endpoint is a clear error naming the server.
    let wrong = OpenAiBackend::new(config(&format!("{}/nowhere", server.url()))).unwrap();
    let error = wrong.chat(&session::requests()[0]).await.unwrap_err();
    eprintln!("unknown endpoint: {error}");
    assert!(
        matches!(
            error,
            LlmError::OpenAi(
                OpenAiError::BadReply { .. } | OpenAiError::Status { status: 404, .. }
            )
        ),
        "{error}"
    );
    assert!(error.to_string().contains("/nowhere"));

    // A prompt larger than the context window is refused by the server.
    let direct = OpenAiBackend::new(config(&server.url())).unwrap();
    let huge = ChatRequest::new(Role::Agent)
        .model(session::MODEL)
        .user("socks ".repeat(3000));
    let error = direct.chat(&huge).await.unwrap_err();
    eprintln!("oversized: {error}");
    assert!(
        matches!(
            error,
            LlmError::OpenAi(
                OpenAiError::Status { status: 400, .. } | OpenAiError::BadReply { .. }
            )
        ),
        "{error}"
    );

    // With the server gone, the backend reports it unreachable after its bounded retries.
    let url = server.url();
    drop(server);
    let gone = OpenAiBackend::new(config(&url)).unwrap();
    let started = Instant::now();
    let error = gone.chat(&session::requests()[0]).await.unwrap_err();
    eprintln!("killed: {error} after {:?}", started.elapsed());
    assert!(
        matches!(
            error,
            LlmError::OpenAi(OpenAiError::Unreachable { attempts: 2, .. })
        ),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));

    if std::env::var("ODYSSEY_UPDATE_RECORDING").is_ok_and(|v| v == "1") {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("recordings/smollm2-sample.jsonl");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&recording, &target).unwrap();
        eprintln!("updated {}", target.display());
    }
}
