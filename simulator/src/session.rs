//! Command lines as an agent or a script types them: `kubectl ...`, `curl ...`, `sleep 30s`,
//! comments;
//! split as a shell would, without ever running one.

use crate::clock::{Millis, parse_duration};
use crate::kubectl::output::CommandOutput;
use crate::kubectl::shell;
use crate::world::World;

impl World {
    /// Runs one command line: a `kubectl` invocation or `sleep DURATION` (virtual time). Empty
    /// lines and `#` comments do nothing.
    ///
    /// # Guarantees
    /// Never panics; a line the simulator cannot run gets the error a shell would print
    /// (`bash: foo: command not found`, status 127) or the splitter's explanation.
    pub fn run_line(&mut self, line: &str) -> CommandOutput {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return CommandOutput::ok("");
        }
        let words = match shell::split(trimmed) {
            Ok(w) => w,
            Err(e) => {
                return CommandOutput {
                    stdout: String::new(),
                    stderr: format!("{e}\n"),
                    status: 2,
                };
            }
        };
        let Some((program, args)) = words.split_first() else {
            return CommandOutput::ok("");
        };
        match program.as_str() {
            "kubectl" => self.kubectl(args),
            "curl" => self.curl(args),
            "sleep" => match sleep_duration(args) {
                Ok(ms) => {
                    self.advance(ms);
                    CommandOutput::ok("")
                }
                Err(out) => out,
            },
            other => CommandOutput {
                stdout: String::new(),
                stderr: format!("bash: {other}: command not found\n"),
                status: 127,
            },
        }
    }

    /// Runs a script, one line at a time, and returns the transcript: each line after a
    /// `$ LINE` header, then its stdout and stderr, then `[exit N]` when it failed.
    pub fn run_script(&mut self, script: &str) -> (String, bool) {
        let mut transcript = String::new();
        let mut all_ok = true;
        for line in script.lines() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            transcript.push_str(&format!("$ {trimmed}\n"));
            let out = self.run_line(trimmed);
            transcript.push_str(&out.stdout);
            if !out.stdout.is_empty() && !out.stdout.ends_with('\n') {
                transcript.push('\n');
            }
            transcript.push_str(&out.stderr);
            if out.status != 0 {
                all_ok = false;
                transcript.push_str(&format!("[exit {}]\n", out.status));
            }
        }
        (transcript, all_ok)
    }
}

/// How long a `sleep` line (the words after `sleep`) waits, or the output GNU sleep prints
/// when its arguments are wrong. Every backend that runs `sleep` lines reads them here, so the
/// simulated and the live world agree on what a line means.
///
/// # Errors
/// The [`CommandOutput`] of a failed `sleep`: a missing operand or an invalid interval.
pub fn sleep_duration(args: &[String]) -> Result<Millis, CommandOutput> {
    match args {
        [d] => parse_sleep(d).map_err(|()| CommandOutput {
            stdout: String::new(),
            stderr: format!("sleep: invalid time interval '{d}'\n"),
            status: 1,
        }),
        _ => Err(CommandOutput {
            stdout: String::new(),
            stderr: "sleep: missing operand\n".into(),
            status: 1,
        }),
    }
}

/// `sleep` arguments: a number with an optional `s`, `m`, `h` or `d` suffix (GNU sleep).
fn parse_sleep(text: &str) -> Result<Millis, ()> {
    let (number, scale) = match text.char_indices().last() {
        Some((i, 's')) => (&text[..i], 1000.0),
        Some((i, 'm')) => (&text[..i], 60_000.0),
        Some((i, 'h')) => (&text[..i], 3_600_000.0),
        Some((i, 'd')) => (&text[..i], 86_400_000.0),
        _ => (text, 1000.0),
    };
    let value: f64 = number.parse().map_err(|_| ())?;
    if !value.is_finite() || !(0.0..=1e7).contains(&value) {
        return parse_duration(text).map_err(|_| ());
    }
    Ok(Millis((value * scale).round() as i64))
}
