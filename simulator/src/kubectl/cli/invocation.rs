//! A parsed kubectl command line: the verb, its positional arguments and its flags, with
//! typed access that falls back to each flag's kubectl default.

use std::collections::BTreeMap;

use super::error::CliError;
use super::flags::FlagValue;
use super::gostr::parse_duration;
use super::resource::{ResourceRef, parse_resource_args};
use super::spec::{FlagKind, FlagSpec, Verb};
use crate::kubectl::duration::GoDuration;

/// One command line, accepted by kubectl's parser and pre-flight checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// What to run.
    pub verb: Verb,
    /// `kubectl rollout status`: the canonical command path (aliases resolved).
    pub command_path: String,
    /// Positional arguments after the command words, in order.
    pub args: Vec<String>,
    /// How many positionals came before `--`, if it was given (`kubectl exec`-style
    /// commands care; the others ignore it).
    pub args_len_at_dash: Option<usize>,
    /// Flags, global and local.
    pub flags: Flags,
}

impl Invocation {
    /// `-n/--namespace` if given (and not empty).
    pub fn namespace(&self) -> Option<&str> {
        Some(self.flags.str("namespace")).filter(|n| !n.is_empty())
    }

    /// The positional arguments read as resources (`TYPE`, `TYPE NAME...`, `TYPE/NAME...`).
    ///
    /// # Errors
    ///
    /// kubectl's `error: ...` for malformed `TYPE/NAME` forms.
    pub fn resources(&self) -> Result<Vec<ResourceRef>, CliError> {
        resources_of(&self.args)
    }
}

/// Reads `args` as resource arguments, with kubectl's errors.
///
/// # Errors
///
/// kubectl's `error: ...` for malformed `TYPE/NAME` forms.
pub fn resources_of(args: &[String]) -> Result<Vec<ResourceRef>, CliError> {
    parse_resource_args(args).map_err(|e| CliError::Message(e.to_string()))
}

/// The flags of one invocation: the values given, over the defaults of every flag the
/// command accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flags {
    specs: Vec<&'static FlagSpec>,
    set: BTreeMap<&'static str, FlagValue>,
}

impl Flags {
    /// Flags with these specs, of which `set` were given.
    pub fn new(specs: Vec<&'static FlagSpec>, set: BTreeMap<&'static str, FlagValue>) -> Self {
        Flags { specs, set }
    }

    /// Whether the flag was given on the command line (cobra's `Changed`).
    pub fn is_set(&self, name: &str) -> bool {
        self.set.contains_key(name)
    }

    /// Whether the command accepts a flag named `name`.
    pub fn accepts(&self, name: &str) -> bool {
        self.spec(name).is_some()
    }

    /// The value given for `name`, if any.
    pub fn given(&self, name: &str) -> Option<&FlagValue> {
        self.set.get(name)
    }

    /// Every flag that was given, by long name.
    pub fn given_all(&self) -> &BTreeMap<&'static str, FlagValue> {
        &self.set
    }

    /// A bool flag's value or default (`false` for a flag the command lacks).
    pub fn bool(&self, name: &str) -> bool {
        match self.set.get(name) {
            Some(FlagValue::Bool(b)) => *b,
            _ => self.spec(name).is_some_and(|s| s.default == "true"),
        }
    }

    /// A string flag's value or default (`""` for a flag the command lacks).
    pub fn str(&self, name: &str) -> &str {
        match self.set.get(name) {
            Some(FlagValue::Str(s)) => s,
            _ => self.spec(name).map_or("", |s| s.default),
        }
    }

    /// An integer flag's value or default (0 for a flag the command lacks).
    pub fn int(&self, name: &str) -> i64 {
        match self.set.get(name) {
            Some(FlagValue::Int(i)) => *i,
            _ => self
                .spec(name)
                .and_then(|s| s.default.parse().ok())
                .unwrap_or(0),
        }
    }

    /// A duration flag's value or default (zero for a flag the command lacks).
    pub fn duration(&self, name: &str) -> GoDuration {
        match self.set.get(name) {
            Some(FlagValue::Duration(d)) => *d,
            _ => self
                .spec(name)
                .filter(|s| s.kind == FlagKind::Duration)
                .and_then(|s| parse_duration(s.default).ok())
                .unwrap_or_default(),
        }
    }

    /// A list flag's values (empty when not given).
    pub fn list(&self, name: &str) -> &[String] {
        match self.set.get(name) {
            Some(FlagValue::List(items)) => items,
            _ => &[],
        }
    }

    fn spec(&self, name: &str) -> Option<&'static FlagSpec> {
        self.specs.iter().copied().find(|s| s.name == name)
    }
}
