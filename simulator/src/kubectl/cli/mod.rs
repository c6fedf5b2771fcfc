//! kubectl's command line: the command tree and flags as data ([`spec`]), pflag's flag rules
//! ([`flags`]), cobra's command lookup, suggestions and required flags, and the checks each
//! command makes before contacting a server, with kubectl v1.32's exact messages.
//!
//! [`parse`] turns the words of a command line (without the leading `kubectl`) into an
//! [`Invocation`], or into a [`CliError`] whose [`CliError::render`] gives the bytes kubectl
//! prints and its exit status.

mod error;
pub mod flags;
mod gostr;
mod invocation;
mod output;
mod resource;
pub mod spec;
mod suggest;
mod validate;

pub use error::{CliError, Rendered};
pub use flags::{FlagError, FlagValue};
pub use gostr::{go_quote, parse_duration};
pub use invocation::{Flags, Invocation, resources_of};
pub use output::{GET_FORMATS, OBJECT_FORMATS, OutputError, OutputFormat};
pub use resource::{
    ALL_CATEGORY, RESOURCE_TYPES, ResourceArgError, ResourceRef, ResourceType, TypeRef,
    all_category, lookup_resource_type, parse_resource_args, split_resource_argument,
};
pub use spec::{Action, CommandSpec, FlagKind, FlagSpec, Verb};
pub use validate::split_updates;

use flags::FlagSet;
use spec::{GLOBAL_FLAGS, ROOT};

/// Parses a kubectl command line (the arguments after `kubectl`) as kubectl v1.32 does.
///
/// # Errors
///
/// Everything kubectl rejects or answers before sending a request: unknown commands and
/// flags, bad flag values, missing required flags, usage errors, and help texts (as
/// [`CliError::Help`], which renders with exit status 0 for `--help`).
pub fn parse(args: &[String]) -> Result<Invocation, CliError> {
    let (path, rest) = match find(args) {
        Ok(found) => found,
        Err(err) => {
            // kubectl looks for a plugin first; flags before the unknown word stop it.
            let first_word = args.iter().find(|a| !a.starts_with('-'));
            if first_word.is_some_and(|w| w != "help")
                && let Some(first) = args.first()
                && first.starts_with('-')
            {
                return Err(CliError::FlagsBeforePlugin { arg: first.clone() });
            }
            return Err(err);
        }
    };
    let spec = *path.last().unwrap_or(&&ROOT);
    let command_path = command_path(&path);

    if path.is_empty() && rest.first().map(String::as_str) == Some("help") {
        return Err(help_topic(&rest[1..]));
    }

    // The simulator does not know the flags of commands it does not answer, so it says so
    // before judging them.
    if spec.action == spec::Action::Unsupported {
        return Err(CliError::Unsupported { command_path });
    }

    let flag_set = FlagSet::new(spec.flags, GLOBAL_FLAGS);
    let parsed = flag_set.parse(&rest).map_err(|source| CliError::Flag {
        command_path: command_path.clone(),
        source,
    })?;

    if parsed.set.get("help") == Some(&FlagValue::Bool(true)) {
        return Err(CliError::Help {
            command_path,
            text: spec.help.unwrap_or(spec::ROOT_HELP),
            stdout: true,
            exit_code: 0,
        });
    }

    let verb = match spec.action {
        _ if path.is_empty() => {
            // Words after `--` do not count as commands: the root prints its help.
            return Err(CliError::Help {
                command_path,
                text: spec::ROOT_HELP,
                stdout: true,
                exit_code: 0,
            });
        }
        spec::Action::GroupHelp { stdout } => {
            if !parsed.positionals.is_empty() {
                return Err(CliError::Usage {
                    command_path,
                    preamble: String::new(),
                    message: format!(
                        "unknown command {}",
                        go_quote(&parsed.positionals.join(" "))
                    ),
                });
            }
            return Err(CliError::Help {
                command_path,
                text: spec.help.unwrap_or(spec::ROOT_HELP),
                stdout,
                exit_code: 1,
            });
        }
        spec::Action::Run(verb) => verb,
        spec::Action::Unsupported => unreachable!("answered before the flags were parsed"),
    };

    let mut missing: Vec<&'static str> = spec
        .flags
        .iter()
        .filter(|f| f.required && !parsed.set.contains_key(f.name))
        .map(|f| f.name)
        .collect();
    missing.sort_unstable();
    if !missing.is_empty() {
        return Err(CliError::RequiredFlags { names: missing });
    }

    let invocation = Invocation {
        verb,
        command_path,
        args: parsed.positionals,
        args_len_at_dash: parsed.args_len_at_dash,
        flags: Flags::new(flag_set.all().collect(), parsed.set),
    };
    validate::validate(&invocation)?;
    Ok(invocation)
}

/// cobra's `Find`: walks subcommand words (skipping flags and their values), returning the
/// command path and the arguments left for the last command.
fn find(args: &[String]) -> Result<(Vec<&'static CommandSpec>, Vec<String>), CliError> {
    let mut path: Vec<&'static CommandSpec> = Vec::new();
    let mut current: &'static CommandSpec = &ROOT;
    let mut rest = args.to_vec();
    loop {
        let flag_set = FlagSet::new(current.flags, GLOBAL_FLAGS);
        let words = strip_flags(&rest, &flag_set);
        let Some(next) = words.first() else { break };
        let Some(sub) = current.subcommands.iter().find(|c| c.is_named(next)) else {
            break;
        };
        rest = args_minus_first(&rest, next, &flag_set);
        path.push(sub);
        current = sub;
    }

    // cobra's legacy argument check: only the root rejects unknown subcommands here.
    if path.is_empty() {
        let flag_set = FlagSet::new(ROOT.flags, GLOBAL_FLAGS);
        if let Some(word) = strip_flags(&rest, &flag_set).first()
            && word != "help"
        {
            return Err(unknown_command(word));
        }
    }
    Ok((path, rest))
}

fn unknown_command(word: &str) -> CliError {
    CliError::UnknownCommand {
        name: word.to_owned(),
        suggestions: suggest::suggestions(word, spec::COMMANDS.iter().map(|c| c.name)),
    }
}

/// Whether the word looks like a flag that takes the next argument as its value, as cobra
/// guesses it while looking for subcommands.
fn takes_value(s: &str, flags: &FlagSet) -> bool {
    if s.contains('=') {
        return false;
    }
    if let Some(name) = s.strip_prefix("--") {
        return flags
            .lookup(name)
            .is_none_or(|f| f.no_opt_default.is_none());
    }
    if s.len() == 2 && s.starts_with('-') {
        let c = s[1..].chars().next().unwrap_or('-');
        return flags
            .lookup_short(c)
            .is_none_or(|f| f.no_opt_default.is_none());
    }
    false
}

/// cobra's `stripFlags`: the words that are not flags or flag values.
fn strip_flags(args: &[String], flags: &FlagSet) -> Vec<String> {
    let mut words = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let s = &args[i];
        i += 1;
        if s == "--" {
            break;
        }
        if s.starts_with('-') && takes_value(s, flags) {
            // cobra stops when the value would be the last argument.
            if args.len() - i <= 1 {
                break;
            }
            i += 1;
            continue;
        }
        if !s.is_empty() && !s.starts_with('-') {
            words.push(s.clone());
        }
    }
    words
}

/// cobra's `argsMinusFirstX`: `args` without the first non-flag occurrence of `x`.
fn args_minus_first(args: &[String], x: &str, flags: &FlagSet) -> Vec<String> {
    let mut pos = 0;
    while pos < args.len() {
        let s = &args[pos];
        if s == "--" {
            break;
        }
        if s.starts_with('-') && takes_value(s, flags) {
            pos += 2;
            continue;
        }
        if !s.starts_with('-') && s == x {
            let mut out = args.to_vec();
            out.remove(pos);
            return out;
        }
        pos += 1;
    }
    args.to_vec()
}

fn command_path(path: &[&CommandSpec]) -> String {
    let mut out = String::from("kubectl");
    for c in path {
        out.push(' ');
        out.push_str(c.name);
    }
    out
}

/// `kubectl help [command...]`: the help of the named command, or cobra's "Unknown help
/// topic" with the root usage when the first word is not a command.
fn help_topic(words: &[String]) -> CliError {
    let mut current: &'static CommandSpec = &ROOT;
    let mut path = Vec::new();
    if let Some(first) = words.first()
        && !ROOT.subcommands.iter().any(|c| c.is_named(first))
    {
        let topics: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
        let usage_start = spec::ROOT_HELP.find("Basic Commands").unwrap_or(0);
        return CliError::UnknownHelpTopic {
            text: format!(
                "Unknown help topic [{}]\n\n\n{}",
                topics.join(" "),
                &spec::ROOT_HELP[usage_start..]
            ),
        };
    }
    for w in words {
        match current.subcommands.iter().find(|c| c.is_named(w)) {
            Some(sub) => {
                path.push(sub);
                current = sub;
            }
            None => break,
        }
    }
    CliError::Help {
        command_path: command_path(&path),
        text: current.help.unwrap_or(spec::ROOT_HELP),
        stdout: true,
        exit_code: 0,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    fn err(line: &str) -> String {
        parse(&words(line)).unwrap_err().render().stderr
    }

    #[test]
    fn finds_subcommands_among_flags() {
        let inv = parse(&words(
            "-n sock-shop rollout --watch=false status deploy/carts",
        ))
        .unwrap();
        assert_eq!(inv.verb, Verb::RolloutStatus);
        assert_eq!(inv.command_path, "kubectl rollout status");
        assert_eq!(inv.args, ["deploy/carts"]);
        assert_eq!(inv.namespace(), Some("sock-shop"));
        assert!(!inv.flags.bool("watch"));
        let inv = parse(&words("top pods -A")).unwrap();
        assert_eq!(inv.verb, Verb::TopPod);
        assert!(inv.flags.bool("all-namespaces"));
    }

    #[test]
    fn typed_flags_fall_back_to_defaults() {
        let inv = parse(&words("logs carts-1 --tail=20 -c carts --since 5m")).unwrap();
        assert_eq!(inv.flags.int("tail"), 20);
        assert_eq!(inv.flags.str("container"), "carts");
        assert_eq!(inv.flags.duration("since").to_string(), "5m0s");
        assert_eq!(inv.flags.duration("pod-running-timeout").to_string(), "20s");
        let inv = parse(&words("get pods")).unwrap();
        assert_eq!(inv.flags.int("tail"), 0);
        assert!(inv.flags.bool("server-print"));
        assert_eq!(inv.flags.int("chunk-size"), 500);
    }

    #[test]
    fn unknown_commands_get_cobra_suggestions() {
        assert_eq!(
            err("gett pods"),
            "error: unknown command \"gett\" for \"kubectl\"\n\nDid you mean this?\n\tset\n\tget\n"
        );
        assert_eq!(
            err("help2"),
            "error: unknown command \"help2\" for \"kubectl\"\n"
        );
        assert_eq!(
            err("-n x gett"),
            "Error: flags cannot be placed before plugin name: -n\n"
        );
    }

    #[test]
    fn flag_errors_name_the_command_path() {
        assert_eq!(
            err("get pods --foo"),
            "error: unknown flag: --foo\nSee 'kubectl get --help' for usage.\n"
        );
        assert_eq!(
            err("top pods -w"),
            "error: unknown shorthand flag: 'w' in -w\nSee 'kubectl top pod --help' for usage.\n"
        );
        assert_eq!(
            err("scale deploy carts"),
            "error: required flag(s) \"replicas\" not set\n"
        );
        assert_eq!(
            err("rollout stat"),
            "error: unknown command \"stat\"\nSee 'kubectl rollout -h' for help and examples\n"
        );
    }

    #[test]
    fn unanswered_commands_are_reported_whatever_their_flags() {
        assert_eq!(
            parse(&words("exec -it carts-1 -- sh")).unwrap_err(),
            CliError::Unsupported {
                command_path: "kubectl exec".into()
            }
        );
        assert_eq!(
            err("create deployment x --image=nginx"),
            "error: the simulated kubectl does not support \"kubectl create deployment\"\n"
        );
    }

    #[test]
    fn help_and_group_commands_print_their_text() {
        let r = parse(&words("get -h")).unwrap_err().render();
        assert_eq!(r.exit_code, 0);
        assert!(r.stdout.starts_with("Display one or many resources."));
        let r = parse(&words("set")).unwrap_err().render();
        assert_eq!((r.exit_code, r.stdout.is_empty()), (1, true));
        let r = parse(&[]).unwrap_err().render();
        assert_eq!(r.exit_code, 0);
        assert!(
            r.stdout
                .starts_with("kubectl controls the Kubernetes cluster manager.")
        );
    }
}
