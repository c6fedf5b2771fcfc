//! HTTP for the live backend, through reqwest: Prometheus's query API and the simulator
//! server's clock. `http://` only; a timeout on the whole exchange and a cap on the body.
//!
//! [`super::LiveOps`] answers inside a synchronous [`crate::ops::Operations::execute`] that may
//! itself run on the trial's runtime, where `block_on` of another runtime panics. So the
//! backend owns a small runtime of its own ([`Runtime`]): a request is spawned there and the
//! caller's thread waits on a channel for its answer, which is safe from any thread.

use std::future::Future;
use std::time::Duration;

/// Why a request got no HTTP answer at all.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The URL is not an `http://host:port/...` URL.
    #[error("{url} is not a plain http:// URL (https is not supported by the live backend)")]
    Url {
        /// The URL.
        url: String,
    },
    /// The host could not be reached, the exchange broke off or timed out, or the answer was
    /// not HTTP.
    #[error("{url} cannot be reached")]
    Io {
        /// The URL.
        url: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The backend's own runtime is gone (it panicked or is shutting down).
    #[error("{url}: the live backend's HTTP runtime stopped before answering")]
    Runtime {
        /// The URL.
        url: String,
    },
}

/// The backend's own tokio runtime and HTTP client.
#[derive(Debug)]
pub(crate) struct Runtime {
    /// `None` only while being dropped.
    rt: Option<tokio::runtime::Runtime>,
    client: reqwest::Client,
}

impl Runtime {
    /// A runtime with one worker thread and a client that never follows redirects or reads a
    /// proxy from the environment, as the hand-written client before it.
    ///
    /// # Errors
    /// The runtime's or the client's construction error, as text.
    pub(crate) fn new() -> Result<Runtime, String> {
        // reqwest is built without a provider of its own; it takes the process default.
        crate::llm::openai::install_tls_provider();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("odyssey-live")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
        let client = reqwest::Client::builder()
            .user_agent("odyssey-live")
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Runtime {
            rt: Some(rt),
            client,
        })
    }

    /// Runs `fut` on this runtime and waits for it on the calling thread; `None` when the
    /// runtime dropped it (it panicked).
    pub(crate) fn run<T: Send + 'static>(
        &self,
        fut: impl Future<Output = T> + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let rt = self.rt.as_ref()?;
        rt.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().ok()
    }

    /// Sends `method` to `url` with `body` (JSON, or nothing when empty) and reads the
    /// answer, giving up after
    /// `timeout` for the whole exchange; the body is cut at `cap` bytes.
    ///
    /// # Errors
    /// [`HttpError`] when there is no HTTP answer; an answer with an error status is an
    /// [`Answer`].
    pub(crate) fn request(
        &self,
        method: &str,
        url: &str,
        body: &str,
        timeout: Duration,
        cap: usize,
    ) -> Result<Answer, HttpError> {
        HttpUrl::parse(url)?;
        let method =
            reqwest::Method::from_bytes(method.as_bytes()).map_err(|_| HttpError::Url {
                url: url.to_owned(),
            })?;
        let mut builder = self
            .client
            .request(method, url)
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(timeout);
        builder = if body.is_empty() {
            builder.header(reqwest::header::CONTENT_LENGTH, "0")
        } else {
            builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_owned())
        };
        let owned = url.to_owned();
        let io = move |source| HttpError::Io {
            url: owned.clone(),
            source,
        };
        self.run(async move {
            let mut response = builder.send().await.map_err(&io)?;
            let status = response.status().as_u16();
            let mut body = Vec::new();
            while body.len() < cap {
                match response.chunk().await.map_err(&io)? {
                    Some(chunk) => {
                        body.extend_from_slice(&chunk[..chunk.len().min(cap - body.len())]);
                    }
                    None => break,
                }
            }
            Ok(Answer {
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        })
        .unwrap_or_else(|| {
            Err(HttpError::Runtime {
                url: url.to_owned(),
            })
        })
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // A runtime dropped on another runtime's thread panics; shutting down in the
        // background never blocks.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// An HTTP answer: its status code and its body as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    /// The status code.
    pub(crate) status: u16,
    /// The body, lossily decoded as UTF-8 and cut at the cap.
    pub(crate) body: String,
}

/// The parts of an `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl {
    /// `host:port` (port 80 when the URL names none).
    pub(crate) authority: String,
    /// The path with its query, `/` when empty.
    pub(crate) path: String,
}

impl HttpUrl {
    /// Splits `url`, which must start with `http://`.
    ///
    /// # Errors
    /// [`HttpError::Url`] for another scheme or an empty host.
    pub(crate) fn parse(url: &str) -> Result<HttpUrl, HttpError> {
        let bad = || HttpError::Url {
            url: url.to_owned(),
        };
        let rest = url.strip_prefix("http://").ok_or_else(bad)?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(bad());
        }
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| !p.contains(']'))
        {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        Ok(HttpUrl {
            authority,
            path: path.to_owned(),
        })
    }
}

/// `text` percent-encoded as a query value, as the simulator's curl encodes one.
pub(crate) fn encode_component(text: &str) -> String {
    odyssey_simulator::curl::percent_encode(text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;

    #[test]
    fn urls_split_into_authority_and_path() {
        let url = HttpUrl::parse("http://127.0.0.1:9090/api/v1/query?query=up").unwrap();
        assert_eq!(url.authority, "127.0.0.1:9090");
        assert_eq!(url.path, "/api/v1/query?query=up");
        assert_eq!(
            HttpUrl::parse("http://localhost").unwrap().authority,
            "localhost:80"
        );
        assert!(HttpUrl::parse("https://localhost:9090").is_err());
        assert!(HttpUrl::parse("http://user@host/").is_err());
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_component("sum(rate(x{job=\"a/b\"}[5m]))"),
            "sum%28rate%28x%7Bjob%3D%22a%2Fb%22%7D%5B5m%5D%29%29"
        );
    }

    #[test]
    fn a_closed_port_is_an_error_not_an_answer() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = Runtime::new()
            .unwrap()
            .request(
                "GET",
                &format!("http://{addr}/"),
                "",
                Duration::from_secs(2),
                1024,
            )
            .unwrap_err();
        assert!(matches!(err, HttpError::Io { .. }), "{err}");
    }

    #[test]
    fn answers_are_capped_and_requests_work_from_inside_another_runtime() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0; 1024];
            let _ = stream.read(&mut buf).unwrap();
            stream
                .write_all(b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
                .unwrap();
        });
        let http = Runtime::new().unwrap();
        let outer = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let answer = outer.block_on(async {
            http.request(
                "GET",
                &format!("http://{addr}/x"),
                "",
                Duration::from_secs(5),
                7,
            )
        });
        let answer = answer.unwrap();
        assert_eq!(answer.status, 503);
        assert_eq!(answer.body, "hello w");
        server.join().unwrap();
        // Dropped inside the other runtime: must not panic.
        outer.block_on(async move { drop(http) });
    }
}
