//! Running a program as a child process, never through a shell: arguments passed as they
//! are, no standard input, a deadline after which the child is killed, and a cap on what is
//! kept of its output.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Exit status reported for a child stopped at its deadline, as `timeout(1)` reports it.
pub(crate) const TIMED_OUT: i32 = 124;

/// Why a program could not be run at all.
#[derive(Debug, thiserror::Error)]
#[error("cannot run {program}")]
pub struct SpawnError {
    /// The program.
    pub program: PathBuf,
    /// The cause (for example that no such file exists).
    #[source]
    pub source: std::io::Error,
}

/// What a finished (or stopped) child left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finished {
    /// Standard output, cut at the cap with a marker.
    pub(crate) stdout: String,
    /// Standard error, cut at the cap with a marker; a note is added when the child was
    /// stopped at its deadline.
    pub(crate) stderr: String,
    /// The exit status; [`TIMED_OUT`] when stopped at the deadline, 128 + N for a signal.
    pub(crate) status: i32,
}

/// Limits of one run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    /// The deadline, from the moment the child starts.
    pub(crate) timeout: Duration,
    /// Bytes kept of each of stdout and stderr.
    pub(crate) cap: usize,
}

/// Runs `program` with `args` and the environment of this process minus `remove_env`.
///
/// On Unix the child leads a process group of its own, and when it exits or reaches the
/// deadline the whole group is killed: a grandchild that inherited the pipes (a kubeconfig
/// `exec` credential plugin that forks) dies with it instead of holding the output open. A
/// grandchild that left the group (`setsid`) is out of reach, and this call waits for it to
/// close the pipes. Being in its own group, the child does not get the terminal's Ctrl-C; it
/// ends with its deadline.
///
/// # Errors
/// [`SpawnError`] when the program cannot be started (missing, not executable).
pub(crate) fn run(
    program: &Path,
    args: &[String],
    remove_env: &[&str],
    bounds: Bounds,
) -> Result<Finished, SpawnError> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in remove_env {
        command.env_remove(name);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(|source| SpawnError {
        program: program.to_owned(),
        source,
    })?;

    // Both pipes are drained on their own threads, so a child that fills one while the other
    // is being read never blocks.
    let stdout = drain(child.stdout.take(), bounds.cap);
    let stderr = drain(child.stderr.take(), bounds.cap);
    let (status, timed_out) = wait(&mut child, bounds.timeout);
    let mut stderr = join(stderr, bounds.cap);
    if timed_out {
        stderr.push_str(&format!(
            "command stopped after {}s: it did not finish in time\n",
            bounds.timeout.as_secs()
        ));
    }
    Ok(Finished {
        stdout: join(stdout, bounds.cap),
        stderr,
        status,
    })
}

/// Waits for `child` until `timeout`; kills it then. Returns the status and whether it was
/// killed.
fn wait(child: &mut Child, timeout: Duration) -> (i32, bool) {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(2);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                // What the child left running in its group (a forked helper holding the
                // pipes) goes with it, so reading the pipes cannot wait on it.
                kill_group(child);
                return (code(status), false);
            }
            Ok(None) if Instant::now() >= deadline => {
                kill_group(child);
                let _ = child.wait();
                return (TIMED_OUT, true);
            }
            Ok(None) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(_) => {
                kill_group(child);
                return (child.wait().map_or(-1, code), false);
            }
        }
    }
}

/// Kills `child` (if it still runs) and, on Unix, the process group it leads (see [`run`]).
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        use rustix::process::{Pid, Signal, kill_process_group};
        // The child may have exited between the check and the signal: nothing to kill.
        let _ = kill_process_group(Pid::from_child(child), Signal::KILL);
    }
    let _ = child.kill();
}

fn code(status: std::process::ExitStatus) -> i32 {
    if let Some(c) = status.code() {
        return c;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    -1
}

type Drained = Option<JoinHandle<(Vec<u8>, bool)>>;

/// Reads `pipe` to its end on a thread, keeping the first `cap` bytes and whether more came.
fn drain(pipe: Option<impl Read + Send + 'static>, cap: usize) -> Drained {
    let mut pipe = pipe?;
    Some(std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut cut = false;
        let mut buffer = [0u8; 8192];
        loop {
            match pipe.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = cap.saturating_sub(kept.len());
                    kept.extend_from_slice(&buffer[..n.min(room)]);
                    cut |= n > room;
                }
            }
        }
        (kept, cut)
    }))
}

fn join(drained: Drained, cap: usize) -> String {
    let Some(handle) = drained else {
        return String::new();
    };
    let (bytes, cut) = handle.join().unwrap_or_default();
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if cut {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("[output cut at {cap} bytes]\n"));
    }
    text
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;

    fn bounds(secs: u64, cap: usize) -> Bounds {
        Bounds {
            timeout: Duration::from_secs(secs),
            cap,
        }
    }

    #[test]
    fn arguments_reach_the_program_unsplit_and_unexpanded() {
        let out = run(
            Path::new("/bin/echo"),
            &["a b".to_owned(), "$(id)".to_owned(), ";".to_owned()],
            &[],
            bounds(5, 1024),
        )
        .unwrap();
        assert_eq!(out.stdout, "a b $(id) ;\n");
        assert_eq!(out.status, 0);
    }

    #[test]
    fn output_over_the_cap_is_cut_with_a_marker() {
        let out = run(
            Path::new("/bin/echo"),
            &["0123456789".to_owned()],
            &[],
            bounds(5, 4),
        )
        .unwrap();
        assert_eq!(out.stdout, "0123\n[output cut at 4 bytes]\n");
    }

    #[test]
    fn a_child_past_its_deadline_is_stopped() {
        let start = Instant::now();
        let out = run(
            Path::new("/bin/sleep"),
            &["30".to_owned()],
            &[],
            Bounds {
                timeout: Duration::from_millis(200),
                cap: 1024,
            },
        )
        .unwrap();
        assert_eq!(out.status, TIMED_OUT);
        assert!(out.stderr.contains("did not finish in time"), "{out:?}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_grandchild_holding_the_pipes_is_stopped_with_its_parent() {
        // The shell's background `sleep` inherits stdout; killing the shell alone would leave
        // the pipe open for 30 s.
        let start = Instant::now();
        let out = run(
            Path::new("/bin/sh"),
            &["-c".to_owned(), "sleep 30 & echo started; wait".to_owned()],
            &[],
            Bounds {
                timeout: Duration::from_millis(500),
                cap: 1024,
            },
        )
        .unwrap();
        assert_eq!(out.status, TIMED_OUT);
        assert_eq!(out.stdout, "started\n");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn a_grandchild_left_behind_by_a_finished_child_does_not_hold_the_output() {
        let start = Instant::now();
        let out = run(
            Path::new("/bin/sh"),
            &["-c".to_owned(), "sleep 30 & echo started".to_owned()],
            &[],
            bounds(60, 1024),
        )
        .unwrap();
        assert_eq!(out.status, 0);
        assert_eq!(out.stdout, "started\n");
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let err = run(Path::new("/nonexistent/kubectl"), &[], &[], bounds(5, 1024)).unwrap_err();
        assert_eq!(err.source.kind(), std::io::ErrorKind::NotFound);
    }
}
