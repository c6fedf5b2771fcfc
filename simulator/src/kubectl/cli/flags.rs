//! pflag's parsing of one command's flags: long and short forms, `=` values, bool flags
//! without values, combined shorthands, `--` and interspersed positionals, with pflag's error
//! texts.

use std::collections::BTreeMap;

use super::gostr::{parse_bool, parse_duration, parse_int};
use super::spec::{FlagKind, FlagSpec};
use crate::kubectl::duration::GoDuration;

/// A flag's parsed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagValue {
    /// A `bool` flag.
    Bool(bool),
    /// A `string` flag.
    Str(String),
    /// Any integer flag.
    Int(i64),
    /// A `time.Duration` flag.
    Duration(GoDuration),
    /// A string slice or array flag (values of all repeats, in order).
    List(Vec<String>),
}

/// A flag-parsing failure, as pflag words it (without kubectl's `error: ` and usage line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlagError {
    /// `--name` that the command does not define.
    #[error("unknown flag: --{0}")]
    UnknownFlag(String),
    /// `-x` that the command does not define; `rest` is the shorthand run from `x` on.
    #[error("unknown shorthand flag: '{shorthand}' in -{rest}")]
    UnknownShorthand {
        /// The unknown letter.
        shorthand: char,
        /// The remaining shorthand letters, starting with the unknown one.
        rest: String,
    },
    /// `--name` without a value at the end of the line.
    #[error("flag needs an argument: {0}")]
    NeedsArgument(String),
    /// `-x` without a value at the end of the line.
    #[error("flag needs an argument: '{shorthand}' in -{rest}")]
    ShortNeedsArgument {
        /// The flag's letter.
        shorthand: char,
        /// The shorthand run from the letter on.
        rest: String,
    },
    /// `---x` or `--=x`.
    #[error("bad flag syntax: {0}")]
    BadSyntax(String),
    /// A value the flag's type rejects.
    #[error("invalid argument {value} for \"{flag}\" flag: {reason}")]
    InvalidArgument {
        /// The value, Go-quoted.
        value: String,
        /// The flag as pflag names it (`-w, --watch`).
        flag: String,
        /// The parser's error (`strconv.ParseInt: parsing "x": invalid syntax`).
        reason: String,
    },
}

/// The outcome of parsing: flags that were set and the positional arguments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedFlags {
    /// Flags given on the command line, by long name.
    pub set: BTreeMap<&'static str, FlagValue>,
    /// Positional arguments in order.
    pub positionals: Vec<String>,
    /// How many positionals came before `--`, if `--` was given.
    pub args_len_at_dash: Option<usize>,
}

/// The flags one command accepts: its own and the global ones.
#[derive(Debug, Clone, Copy)]
pub struct FlagSet {
    local: &'static [FlagSpec],
    global: &'static [FlagSpec],
}

impl FlagSet {
    /// The flags of a command with `local` flags, under the global `global` ones.
    pub fn new(local: &'static [FlagSpec], global: &'static [FlagSpec]) -> Self {
        FlagSet { local, global }
    }

    /// The flag named `name` (local flags shadow global ones).
    pub fn lookup(&self, name: &str) -> Option<&'static FlagSpec> {
        self.local
            .iter()
            .chain(self.global)
            .find(|f| f.name == name)
    }

    /// The flag with shorthand `c`.
    pub fn lookup_short(&self, c: char) -> Option<&'static FlagSpec> {
        self.local
            .iter()
            .chain(self.global)
            .find(|f| f.shorthand == Some(c))
    }

    /// Every flag, local first.
    pub fn all(&self) -> impl Iterator<Item = &'static FlagSpec> + use<> {
        let local = self.local;
        let global = self.global;
        local.iter().chain(
            global
                .iter()
                .filter(move |g| !local.iter().any(|l| l.name == g.name)),
        )
    }

    /// Parses `args` as pflag does, flags interspersed with positionals.
    ///
    /// # Errors
    ///
    /// The first [`FlagError`] met, in argument order; `-h`/`--help` does not stop parsing,
    /// it is reported as the `help` flag set.
    pub fn parse(&self, args: &[String]) -> Result<ParsedFlags, FlagError> {
        let mut out = ParsedFlags::default();
        let mut i = 0;
        while i < args.len() {
            let s = &args[i];
            i += 1;
            if s.len() < 2 || !s.starts_with('-') {
                out.positionals.push(s.clone());
                continue;
            }
            if s == "--" {
                out.args_len_at_dash = Some(out.positionals.len());
                out.positionals.extend(args[i..].iter().cloned());
                break;
            }
            if let Some(name) = s.strip_prefix("--") {
                i = self.parse_long(s, name, args, i, &mut out)?;
            } else {
                i = self.parse_short(&s[1..], args, i, &mut out)?;
            }
        }
        Ok(out)
    }

    fn parse_long(
        &self,
        s: &str,
        name: &str,
        args: &[String],
        mut i: usize,
        out: &mut ParsedFlags,
    ) -> Result<usize, FlagError> {
        if name.is_empty() || name.starts_with('-') || name.starts_with('=') {
            return Err(FlagError::BadSyntax(s.to_owned()));
        }
        let (name, inline) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (name, None),
        };
        let Some(flag) = self.lookup(name) else {
            return Err(FlagError::UnknownFlag(name.to_owned()));
        };
        let value = if let Some(v) = inline {
            v.to_owned()
        } else if let Some(v) = flag.no_opt_default {
            v.to_owned()
        } else if i < args.len() {
            i += 1;
            args[i - 1].clone()
        } else {
            return Err(FlagError::NeedsArgument(s.to_owned()));
        };
        set(flag, &value, out)?;
        Ok(i)
    }

    fn parse_short(
        &self,
        shorthands: &str,
        args: &[String],
        mut i: usize,
        out: &mut ParsedFlags,
    ) -> Result<usize, FlagError> {
        let mut rest = shorthands;
        while let Some(c) = rest.chars().next() {
            let after = &rest[c.len_utf8()..];
            let Some(flag) = self.lookup_short(c) else {
                return Err(FlagError::UnknownShorthand {
                    shorthand: c,
                    rest: rest.to_owned(),
                });
            };
            let value;
            if rest.len() > 2 && after.starts_with('=') {
                value = after[1..].to_owned();
                rest = "";
            } else if let Some(v) = flag.no_opt_default {
                value = v.to_owned();
                rest = after;
            } else if !after.is_empty() {
                value = after.to_owned();
                rest = "";
            } else if i < args.len() {
                value = args[i].clone();
                i += 1;
                rest = "";
            } else {
                return Err(FlagError::ShortNeedsArgument {
                    shorthand: c,
                    rest: rest.to_owned(),
                });
            }
            set(flag, &value, out)?;
        }
        Ok(i)
    }
}

/// Stores `value` for `flag`, parsing it by the flag's type.
fn set(flag: &'static FlagSpec, value: &str, out: &mut ParsedFlags) -> Result<(), FlagError> {
    let invalid = |reason: String| FlagError::InvalidArgument {
        value: super::gostr::go_quote(value),
        flag: flag.display_name(),
        reason,
    };
    let parsed = match flag.kind {
        FlagKind::Bool => FlagValue::Bool(parse_bool(value).map_err(|e| invalid(e.to_string()))?),
        FlagKind::String => FlagValue::Str(value.to_owned()),
        FlagKind::Int | FlagKind::Int64 => {
            FlagValue::Int(parse_int(value, true, 64).map_err(|e| invalid(e.to_string()))?)
        }
        FlagKind::Int32 => {
            FlagValue::Int(parse_int(value, true, 32).map_err(|e| invalid(e.to_string()))?)
        }
        FlagKind::Level => {
            FlagValue::Int(parse_int(value, false, 32).map_err(|e| invalid(e.to_string()))?)
        }
        FlagKind::Duration => FlagValue::Duration(parse_duration(value).map_err(invalid)?),
        FlagKind::StringSlice | FlagKind::StringArray => {
            let mut items = match out.set.remove(flag.name) {
                Some(FlagValue::List(items)) => items,
                _ => Vec::new(),
            };
            if flag.kind == FlagKind::StringSlice {
                items.extend(split_csv(value));
            } else {
                items.push(value.to_owned());
            }
            FlagValue::List(items)
        }
    };
    out.set.insert(flag.name, parsed);
    Ok(())
}

/// Splits a string-slice value as pflag does (one CSV record; quotes group commas).
fn split_csv(value: &str) -> Vec<String> {
    if value.is_empty() {
        return Vec::new();
    }
    let mut items = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' if field.is_empty() && !quoted => quoted = true,
            '"' if quoted => quoted = false,
            ',' if !quoted => items.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    items.push(field);
    items
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::kubectl::cli::spec::{COMMANDS, GLOBAL_FLAGS};

    fn get_flags() -> FlagSet {
        let get = COMMANDS.iter().find(|c| c.name == "get").unwrap();
        FlagSet::new(get.flags, GLOBAL_FLAGS)
    }

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn values_attach_in_every_pflag_form() {
        let f = get_flags();
        for line in [
            "-n x pods",
            "-nx pods",
            "-n=x pods",
            "--namespace x pods",
            "--namespace=x pods",
            "pods -n x",
        ] {
            let p = f.parse(&args(line)).unwrap();
            assert_eq!(p.set["namespace"], FlagValue::Str("x".into()), "{line}");
            assert_eq!(p.positionals, ["pods"], "{line}");
        }
    }

    #[test]
    fn bool_shorthands_combine_and_take_explicit_values() {
        let f = get_flags();
        let p = f.parse(&args("-Aw")).unwrap();
        assert_eq!(p.set["all-namespaces"], FlagValue::Bool(true));
        assert_eq!(p.set["watch"], FlagValue::Bool(true));
        let p = f.parse(&args("--watch=false -wl app=x")).unwrap();
        assert_eq!(p.set["watch"], FlagValue::Bool(true));
        assert_eq!(p.set["selector"], FlagValue::Str("app=x".into()));
    }

    #[test]
    fn slices_accumulate_and_split_on_commas() {
        let p = get_flags()
            .parse(&args("-L a,b -L c --label-columns=d"))
            .unwrap();
        assert_eq!(
            p.set["label-columns"],
            FlagValue::List(vec!["a".into(), "b".into(), "c".into(), "d".into()])
        );
    }

    #[test]
    fn double_dash_ends_flags() {
        let p = get_flags().parse(&args("pods -- -n x")).unwrap();
        assert_eq!(p.positionals, ["pods", "-n", "x"]);
        assert_eq!(p.args_len_at_dash, Some(1));
    }

    #[test]
    fn errors_read_as_pflag_writes_them() {
        let f = get_flags();
        let e = |line: &str| f.parse(&args(line)).unwrap_err().to_string();
        assert_eq!(e("--foo"), "unknown flag: --foo");
        assert_eq!(e("-wz"), "unknown shorthand flag: 'z' in -z");
        assert_eq!(e("-n"), "flag needs an argument: 'n' in -n");
        assert_eq!(e("--namespace"), "flag needs an argument: --namespace");
        assert_eq!(e("---x"), "bad flag syntax: ---x");
        assert_eq!(
            e("-w=x"),
            "invalid argument \"x\" for \"-w, --watch\" flag: strconv.ParseBool: parsing \"x\": invalid syntax"
        );
    }
}
