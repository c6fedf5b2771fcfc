//! The checks each kubectl command makes before it sends any request, with their messages.
//!
//! Only checks observed to fire before any request (with the real binary against a closed
//! port) are here. Not reproduced: the klog warning for a bare `--dry-run` (its prefix holds
//! a wall-clock timestamp), and checks kubectl makes after API discovery (unknown resource
//! types, `-o` values of `get`, `delete --all` with a selector), which belong to the verbs.

use super::error::CliError;
use super::invocation::{Invocation, resources_of};
use super::spec::Verb;

/// kubectl's resource builder, when neither arguments nor `-f` name anything.
const NO_RESOURCES: &str = "You must provide one or more resources by argument or filename.\n\
Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   \
'<resource> <name>'\n   '<resource>'";

const GET_PREAMBLE: &str = "You must specify the type of resource to get. Use \"kubectl \
api-resources\" for a complete list of supported resources.\n\n";

const REQUIRED_RESOURCE: &str = "Required resource not specified.\nUse \"kubectl explain \
<resource>\" for a detailed description of that resource (e.g. kubectl explain pods).";

const LOGS_USAGE: &str = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n\
POD or TYPE/NAME is a required argument for the logs command";

const NO_META_RESOURCES: &str =
    "one or more resources must be specified as <resource> <name> or <resource>/<name>";

/// Runs the pre-flight checks of `inv.verb`.
///
/// # Errors
///
/// The first check that fails, worded as kubectl words it.
pub(crate) fn validate(inv: &Invocation) -> Result<(), CliError> {
    let f = &inv.flags;
    let msg = |m: &str| Err(CliError::Message(m.to_owned()));
    let usage = |m: &str| {
        Err(CliError::Usage {
            command_path: inv.command_path.clone(),
            preamble: String::new(),
            message: m.to_owned(),
        })
    };
    let from_files = !f.list("filename").is_empty() || !f.str("kustomize").is_empty();
    let no_args = inv.args.is_empty();

    if f.accepts("dry-run") && f.is_set("dry-run") {
        let value = f.str("dry-run");
        if !matches!(value, "none" | "server" | "client" | "unchanged") {
            return msg(&format!(
                "Invalid dry-run value ({value}). Must be \"none\", \"server\", or \"client\"."
            ));
        }
    }

    match inv.verb {
        Verb::Get => {
            if no_args && !from_files {
                return Err(CliError::Usage {
                    command_path: inv.command_path.clone(),
                    preamble: GET_PREAMBLE.to_owned(),
                    message: REQUIRED_RESOURCE.to_owned(),
                });
            }
            resources_of(&inv.args)?;
        }
        Verb::Describe | Verb::Explain => {
            if no_args && !from_files {
                let what = if inv.verb == Verb::Describe {
                    "describe"
                } else {
                    "explain"
                };
                return msg(&format!(
                    "You must specify the type of resource to {what}. Use \"kubectl api-resources\" for a complete list of supported resources."
                ));
            }
            if inv.verb == Verb::Describe {
                resources_of(&inv.args)?;
            }
        }
        Verb::Logs => {
            if !f.str("selector").is_empty() {
                if !no_args {
                    return usage("only a selector (-l) or a POD name is allowed");
                }
            } else if no_args || inv.args.len() > 2 {
                return usage(LOGS_USAGE);
            }
        }
        Verb::TopPod | Verb::TopNode => {
            let what = if inv.verb == Verb::TopPod {
                "pod"
            } else {
                "node"
            };
            if inv.args.len() > 1 {
                return usage(&format!("{what} [NAME | -l label]"));
            }
            if inv.args.len() == 1 && !f.str("selector").is_empty() {
                return msg("only one of NAME or selector can be provided");
            }
        }
        Verb::Scale => {
            if f.int("replicas") < 0 {
                return msg(
                    "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
                );
            }
            require_resources(inv, from_files)?;
        }
        Verb::Autoscale => {
            let (max, min) = (f.int("max"), f.int("min"));
            if max < 1 {
                return msg(&format!(
                    "--max=MAXPODS is required and must be at least 1, max: {max}"
                ));
            }
            if max < min {
                return msg(&format!(
                    "--max=MAXPODS must be larger or equal to --min=MINPODS, max: {max}, min: {min}"
                ));
            }
            require_resources(inv, from_files)?;
        }
        Verb::RolloutStatus
        | Verb::RolloutRestart
        | Verb::RolloutUndo
        | Verb::RolloutHistory
        | Verb::RolloutPause
        | Verb::RolloutResume => {
            if no_args && !from_files {
                return msg("required resource not specified");
            }
            resources_of(&inv.args)?;
        }
        Verb::Delete => {
            if f.bool("now") && f.is_set("grace-period") {
                return msg("--now and --grace-period cannot be specified together");
            }
            require_resources(inv, from_files)?;
        }
        Verb::Apply | Verb::Create => {
            if !from_files {
                return msg("must specify one of -f and -k");
            }
        }
        Verb::Patch => {
            if f.str("patch").is_empty() && f.str("patch-file").is_empty() {
                return msg(
                    "must specify --patch or --patch-file containing the contents of the patch",
                );
            }
        }
        Verb::Label | Verb::Annotate => {
            let pair_type = if inv.verb == Verb::Label {
                "label"
            } else {
                "annotation"
            };
            let (resources, changes) = split_updates(&inv.args, pair_type)?;
            if resources.is_empty() && !from_files {
                return msg(NO_META_RESOURCES);
            }
            if changes.is_empty() && !f.bool("list") {
                return msg(&format!("at least one {pair_type} update is required"));
            }
        }
        Verb::SetImage | Verb::SetResources => {
            if no_args && !from_files {
                return msg(NO_RESOURCES);
            }
        }
        Verb::SetEnv => {
            if no_args && !from_files {
                return msg(NO_META_RESOURCES);
            }
        }
        Verb::Version => {
            if !matches!(f.str("output"), "" | "yaml" | "json") {
                return msg("--output must be 'yaml' or 'json'");
            }
        }
        Verb::ApiResources => {
            if !no_args {
                return usage(&format!("unexpected arguments: [{}]", inv.args.join(" ")));
            }
            let output = f.str("output");
            if !matches!(output, "" | "wide" | "name") {
                return msg(&format!("--output {output} is not available"));
            }
        }
        Verb::ConfigCurrentContext | Verb::ClusterInfo => {}
    }
    Ok(())
}

fn require_resources(inv: &Invocation, from_files: bool) -> Result<(), CliError> {
    if inv.args.is_empty() && !from_files {
        return Err(CliError::Message(NO_RESOURCES.to_owned()));
    }
    resources_of(&inv.args).map(|_| ())
}

/// Splits `label`/`annotate`/`set env` arguments into resource words and updates (`k=v` or
/// `k-`), as kubectl's `GetResourcesAndPairs` does; `pair_type` names the updates in the error.
///
/// # Errors
///
/// A resource word after the first update.
pub fn split_updates(
    args: &[String],
    pair_type: &str,
) -> Result<(Vec<String>, Vec<String>), CliError> {
    let (mut resources, mut pairs) = (Vec::new(), Vec::new());
    for s in args {
        let is_pair = (s.contains('=') && !s.starts_with('=')) || (s.ends_with('-') && s != "-");
        if is_pair {
            pairs.push(s.clone());
        } else if pairs.is_empty() {
            resources.push(s.clone());
        } else {
            return Err(CliError::Message(format!(
                "all resources must be specified before {pair_type} changes: {s}"
            )));
        }
    }
    Ok((resources, pairs))
}
