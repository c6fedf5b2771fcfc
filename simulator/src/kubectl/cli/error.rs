//! Early exits of a kubectl command line, each rendered with the exact stderr, stdout and exit
//! status of kubectl v1.32.

use super::flags::FlagError;

/// What kubectl prints and returns for an early exit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    /// Text on stdout.
    pub stdout: String,
    /// Text on stderr.
    pub stderr: String,
    /// The process exit status.
    pub exit_code: i32,
}

/// A command line that ends before any request would reach a cluster: an error, or a help
/// text (which kubectl also prints without contacting anything).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    /// The first word is not a kubectl command.
    #[error("unknown command {name:?} for \"kubectl\"")]
    UnknownCommand {
        /// The word.
        name: String,
        /// cobra's suggestions, in kubectl's command order.
        suggestions: Vec<&'static str>,
    },
    /// A flag came before an unknown command, so kubectl's plugin lookup gave up.
    #[error("flags cannot be placed before plugin name: {arg}")]
    FlagsBeforePlugin {
        /// The first argument.
        arg: String,
    },
    /// pflag rejected a flag of `command_path`.
    #[error("{source}")]
    Flag {
        /// `kubectl get`, `kubectl rollout status`, ...
        command_path: String,
        /// What pflag said.
        #[source]
        source: FlagError,
    },
    /// Flags marked required were not given.
    #[error("required flag(s) not set: {names:?}")]
    RequiredFlags {
        /// The missing flags' long names, sorted.
        names: Vec<&'static str>,
    },
    /// A usage error: the message, then a pointer to `-h`.
    #[error("{message}")]
    Usage {
        /// The command's path.
        command_path: String,
        /// Text printed before `error: ` (kubectl get's hint without a resource type).
        preamble: String,
        /// The message after `error: `.
        message: String,
    },
    /// A plain `error: ...` line (kubectl's `CheckErr`).
    #[error("{0}")]
    Message(String),
    /// `--help`, a group command without subcommand, or a bare `kubectl`.
    #[error("help for {command_path}")]
    Help {
        /// The command's path.
        command_path: String,
        /// The help text.
        text: &'static str,
        /// Whether it goes to stdout (else stderr).
        stdout: bool,
        /// The exit status (0 for `--help`, 1 for a group command run alone).
        exit_code: i32,
    },
    /// `kubectl help WORD` for a word that is no command: printed on stderr, exit status 0.
    #[error("unknown help topic")]
    UnknownHelpTopic {
        /// The whole text.
        text: String,
    },
    /// A real kubectl command that the simulator does not answer.
    #[error("the simulated kubectl does not support \"{command_path}\"")]
    Unsupported {
        /// The command's path.
        command_path: String,
    },
}

impl CliError {
    /// The bytes kubectl writes and the status it exits with.
    pub fn render(&self) -> Rendered {
        let stderr = |text: String| Rendered {
            stdout: String::new(),
            stderr: text,
            exit_code: 1,
        };
        match self {
            CliError::UnknownCommand { name, suggestions } => {
                let mut text = format!("error: unknown command {} for \"kubectl\"", go_q(name));
                if !suggestions.is_empty() {
                    text.push_str("\n\nDid you mean this?\n");
                    for s in suggestions {
                        text.push_str(&format!("\t{s}\n"));
                    }
                } else {
                    text.push('\n');
                }
                stderr(text)
            }
            CliError::FlagsBeforePlugin { arg } => stderr(format!(
                "Error: flags cannot be placed before plugin name: {arg}\n"
            )),
            CliError::Flag {
                command_path,
                source,
            } => stderr(format!(
                "error: {source}\nSee '{command_path} --help' for usage.\n"
            )),
            CliError::RequiredFlags { names } => {
                let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
                stderr(format!(
                    "error: required flag(s) {} not set\n",
                    quoted.join(", ")
                ))
            }
            CliError::Usage {
                command_path,
                preamble,
                message,
            } => stderr(format!(
                "{preamble}error: {message}\nSee '{command_path} -h' for help and examples\n"
            )),
            CliError::Message(message) => {
                let mut text = format!("error: {message}");
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                stderr(text)
            }
            CliError::Help {
                text,
                stdout,
                exit_code,
                ..
            } => Rendered {
                stdout: if *stdout {
                    (*text).to_owned()
                } else {
                    String::new()
                },
                stderr: if *stdout {
                    String::new()
                } else {
                    (*text).to_owned()
                },
                exit_code: *exit_code,
            },
            CliError::UnknownHelpTopic { text } => Rendered {
                stdout: String::new(),
                stderr: text.clone(),
                exit_code: 0,
            },
            CliError::Unsupported { command_path } => stderr(format!(
                "error: the simulated kubectl does not support \"{command_path}\"\n"
            )),
        }
    }
}

fn go_q(s: &str) -> String {
    super::gostr::go_quote(s)
}
