//! kubectl's command tree as data: every command with its aliases, its local flags (name,
//! shorthand, type, default) and its subcommands, as `kubectl <cmd> --help` of v1.32 lists
//! them.
//!
//! Only the commands the simulator answers carry flags; the rest are listed by name so that
//! the parser recognises them (and suggests them) as the real kubectl does. Help texts are
//! embedded for the answered commands only (captured from the binary, files in `text/`);
//! hidden and deprecated flags are not listed, so they read as unknown flags. Plugins are
//! assumed absent, as on a machine with no `kubectl-*` executables on `PATH`.

/// The Go type behind a flag, which decides how its value is parsed and reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKind {
    /// `bool`: `--flag` alone means true; `--flag=false` to unset.
    Bool,
    /// `string`.
    String,
    /// `int` (64-bit): `strconv.ParseInt(s, 0, 64)`.
    Int,
    /// `int32`: `strconv.ParseInt(s, 0, 32)`.
    Int32,
    /// `int64`.
    Int64,
    /// klog's verbosity level: `strconv.ParseInt(s, 10, 32)`.
    Level,
    /// `time.Duration`: `time.ParseDuration`.
    Duration,
    /// `[]string` split on commas, values accumulate over repeats.
    StringSlice,
    /// `[]string` kept whole, values accumulate over repeats.
    StringArray,
}

/// One flag of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagSpec {
    /// The long name, without `--`.
    pub name: &'static str,
    /// The one-letter form, without `-`.
    pub shorthand: Option<char>,
    /// How the value is parsed.
    pub kind: FlagKind,
    /// The default, in the flag's string form (`""`, `"false"`, `"-1"`, `"0s"`, `"[]"`).
    pub default: &'static str,
    /// The value given by `--flag` without `=value` (`"true"` for bools, `"unchanged"` for
    /// `--dry-run`).
    pub no_opt_default: Option<&'static str>,
    /// Marked required with cobra's `MarkFlagRequired`.
    pub required: bool,
}

impl FlagSpec {
    const fn new(name: &'static str, kind: FlagKind, default: &'static str) -> Self {
        let no_opt_default = match kind {
            FlagKind::Bool => Some("true"),
            _ => None,
        };
        FlagSpec {
            name,
            shorthand: None,
            kind,
            default,
            no_opt_default,
            required: false,
        }
    }

    const fn short(self, c: char) -> Self {
        FlagSpec {
            shorthand: Some(c),
            ..self
        }
    }

    const fn no_opt(self, value: &'static str) -> Self {
        FlagSpec {
            no_opt_default: Some(value),
            ..self
        }
    }

    const fn required(self) -> Self {
        FlagSpec {
            required: true,
            ..self
        }
    }

    /// `-n, --namespace` when there is a shorthand, `--replicas` otherwise, as pflag names a
    /// flag in its errors.
    pub fn display_name(&self) -> String {
        match self.shorthand {
            Some(c) => format!("-{c}, --{}", self.name),
            None => format!("--{}", self.name),
        }
    }
}

/// The commands the simulator answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verb {
    /// `kubectl get`
    Get,
    /// `kubectl describe`
    Describe,
    /// `kubectl logs`
    Logs,
    /// `kubectl top pod`
    TopPod,
    /// `kubectl top node`
    TopNode,
    /// `kubectl scale`
    Scale,
    /// `kubectl set image`
    SetImage,
    /// `kubectl set env`
    SetEnv,
    /// `kubectl set resources`
    SetResources,
    /// `kubectl rollout status`
    RolloutStatus,
    /// `kubectl rollout restart`
    RolloutRestart,
    /// `kubectl rollout undo`
    RolloutUndo,
    /// `kubectl rollout history`
    RolloutHistory,
    /// `kubectl rollout pause`
    RolloutPause,
    /// `kubectl rollout resume`
    RolloutResume,
    /// `kubectl autoscale`
    Autoscale,
    /// `kubectl patch`
    Patch,
    /// `kubectl label`
    Label,
    /// `kubectl annotate`
    Annotate,
    /// `kubectl delete`
    Delete,
    /// `kubectl apply`
    Apply,
    /// `kubectl create` (with `-f`)
    Create,
    /// `kubectl version`
    Version,
    /// `kubectl api-resources`
    ApiResources,
    /// `kubectl config current-context`
    ConfigCurrentContext,
    /// `kubectl cluster-info`
    ClusterInfo,
    /// `kubectl explain`
    Explain,
}

/// What running a command without a subcommand does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Runs the verb.
    Run(Verb),
    /// Prints its help on stdout (`true`) or stderr (`false`) and exits 1, as kubectl's
    /// group commands (`rollout`, `set`, `top`, `config`) do.
    GroupHelp {
        /// Whether the help goes to stdout.
        stdout: bool,
    },
    /// A real kubectl command the simulator does not answer.
    Unsupported,
}

/// One node of the command tree.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// The command's name.
    pub name: &'static str,
    /// Other names cobra accepts.
    pub aliases: &'static [&'static str],
    /// What the command does when it is the last one found.
    pub action: Action,
    /// Local flags (the global ones are in [`GLOBAL_FLAGS`]).
    pub flags: &'static [FlagSpec],
    /// Subcommands, in kubectl's order.
    pub subcommands: &'static [CommandSpec],
    /// The text of `--help`, captured from kubectl v1.32, if the simulator has it.
    pub help: Option<&'static str>,
}

impl CommandSpec {
    const fn leaf(
        name: &'static str,
        verb: Verb,
        flags: &'static [FlagSpec],
        help: &'static str,
    ) -> Self {
        CommandSpec {
            name,
            aliases: &[],
            action: Action::Run(verb),
            flags,
            subcommands: &[],
            help: Some(help),
        }
    }

    const fn other(name: &'static str) -> Self {
        CommandSpec {
            name,
            aliases: &[],
            action: Action::Unsupported,
            flags: &[],
            subcommands: &[],
            help: None,
        }
    }

    const fn aliases(self, aliases: &'static [&'static str]) -> Self {
        CommandSpec { aliases, ..self }
    }

    /// Whether `word` names this command (name or alias).
    pub fn is_named(&self, word: &str) -> bool {
        self.name == word || self.aliases.contains(&word)
    }

    /// The local flag with long name `name`.
    pub fn flag(&self, name: &str) -> Option<&'static FlagSpec> {
        self.flags.iter().find(|f| f.name == name)
    }
}

use FlagKind::{Bool, Duration, Int, Int32, Int64, Level, String as Str, StringArray, StringSlice};

const fn b(name: &'static str) -> FlagSpec {
    FlagSpec::new(name, Bool, "false")
}
const fn bt(name: &'static str) -> FlagSpec {
    FlagSpec::new(name, Bool, "true")
}
const fn s(name: &'static str) -> FlagSpec {
    FlagSpec::new(name, Str, "")
}

/// The flags every command accepts (kubectl's persistent root flags, plus cobra's `--help`).
pub const GLOBAL_FLAGS: &[FlagSpec] = &[
    s("as"),
    FlagSpec::new("as-group", StringArray, "[]"),
    s("as-uid"),
    FlagSpec::new("cache-dir", Str, "$HOME/.kube/cache"),
    s("certificate-authority"),
    s("client-certificate"),
    s("client-key"),
    s("cluster"),
    s("context"),
    b("disable-compression"),
    b("help").short('h'),
    b("insecure-skip-tls-verify"),
    s("kubeconfig"),
    FlagSpec::new("log-flush-frequency", Duration, "5s"),
    b("match-server-version"),
    s("namespace").short('n'),
    s("password"),
    FlagSpec::new("profile", Str, "none"),
    FlagSpec::new("profile-output", Str, "profile.pprof"),
    FlagSpec::new("request-timeout", Str, "0"),
    s("server").short('s'),
    s("tls-server-name"),
    s("token"),
    s("user"),
    s("username"),
    FlagSpec::new("v", Level, "0").short('v'),
    s("vmodule"),
    b("warnings-as-errors"),
];

const ALL: FlagSpec = b("all");
const ALL_NS: FlagSpec = b("all-namespaces").short('A');
const AMTK: FlagSpec = bt("allow-missing-template-keys");
const CHUNK: FlagSpec = FlagSpec::new("chunk-size", Int64, "500");
const DRY_RUN: FlagSpec = FlagSpec::new("dry-run", Str, "none").no_opt("unchanged");
const FIELD_SEL: FlagSpec = s("field-selector");
const FILENAME: FlagSpec = FlagSpec::new("filename", StringSlice, "[]").short('f');
const KUSTOMIZE: FlagSpec = s("kustomize").short('k');
const NO_HEADERS: FlagSpec = b("no-headers");
const OUTPUT: FlagSpec = s("output").short('o');
const RECURSIVE: FlagSpec = b("recursive").short('R');
const SELECTOR: FlagSpec = s("selector").short('l');
const SMF: FlagSpec = b("show-managed-fields");
const TEMPLATE: FlagSpec = s("template");
const TIMEOUT: FlagSpec = FlagSpec::new("timeout", Duration, "0s");
const LOCAL: FlagSpec = b("local");
const SORT_BY: FlagSpec = s("sort-by");
const CASCADE: FlagSpec = FlagSpec::new("cascade", Str, "background").no_opt("background");
const VALIDATE: FlagSpec = FlagSpec::new("validate", Str, "strict").no_opt("strict");
const PROTOBUF: FlagSpec = bt("use-protocol-buffers");
const SUBRESOURCE: FlagSpec = s("subresource");
const RAW: FlagSpec = s("raw");
const CONTAINERS_SET: FlagSpec = FlagSpec::new("containers", Str, "*").short('c');
const fn manager(default: &'static str) -> FlagSpec {
    FlagSpec::new("field-manager", Str, default)
}

const GET_FLAGS: &[FlagSpec] = &[
    ALL_NS,
    AMTK,
    CHUNK,
    FIELD_SEL,
    FILENAME,
    b("ignore-not-found"),
    KUSTOMIZE,
    FlagSpec::new("label-columns", StringSlice, "[]").short('L'),
    NO_HEADERS,
    OUTPUT,
    b("output-watch-events"),
    RAW,
    RECURSIVE,
    SELECTOR,
    bt("server-print"),
    b("show-kind"),
    b("show-labels"),
    SMF,
    SORT_BY,
    SUBRESOURCE,
    TEMPLATE,
    b("watch").short('w'),
    b("watch-only"),
];

const DESCRIBE_FLAGS: &[FlagSpec] = &[
    ALL_NS,
    CHUNK,
    FILENAME,
    KUSTOMIZE,
    RECURSIVE,
    SELECTOR,
    bt("show-events"),
];

const LOGS_FLAGS: &[FlagSpec] = &[
    b("all-containers"),
    b("all-pods"),
    s("container").short('c'),
    b("follow").short('f'),
    b("ignore-errors"),
    b("insecure-skip-tls-verify-backend"),
    FlagSpec::new("limit-bytes", Int64, "0"),
    FlagSpec::new("max-log-requests", Int, "5"),
    FlagSpec::new("pod-running-timeout", Duration, "20s"),
    b("prefix"),
    b("previous").short('p'),
    SELECTOR,
    FlagSpec::new("since", Duration, "0s"),
    s("since-time"),
    FlagSpec::new("tail", Int64, "-1"),
    b("timestamps"),
];

const TOP_POD_FLAGS: &[FlagSpec] = &[
    ALL_NS,
    b("containers"),
    FIELD_SEL,
    NO_HEADERS,
    SELECTOR,
    SORT_BY,
    b("sum"),
    PROTOBUF,
];

const TOP_NODE_FLAGS: &[FlagSpec] = &[NO_HEADERS, SELECTOR, b("show-capacity"), SORT_BY, PROTOBUF];

const SCALE_FLAGS: &[FlagSpec] = &[
    ALL,
    AMTK,
    FlagSpec::new("current-replicas", Int, "-1"),
    DRY_RUN,
    FILENAME,
    KUSTOMIZE,
    OUTPUT,
    RECURSIVE,
    FlagSpec::new("replicas", Int, "0").required(),
    s("resource-version"),
    SELECTOR,
    SMF,
    TEMPLATE,
    TIMEOUT,
];

const SET_IMAGE_FLAGS: &[FlagSpec] = &[
    ALL,
    AMTK,
    DRY_RUN,
    manager("kubectl-set"),
    FILENAME,
    KUSTOMIZE,
    LOCAL,
    OUTPUT,
    RECURSIVE,
    SELECTOR,
    SMF,
    TEMPLATE,
];

const SET_ENV_FLAGS: &[FlagSpec] = &[
    ALL,
    AMTK,
    CONTAINERS_SET,
    DRY_RUN,
    FlagSpec::new("env", StringArray, "[]").short('e'),
    manager("kubectl-set"),
    FILENAME,
    s("from"),
    FlagSpec::new("keys", StringSlice, "[]"),
    KUSTOMIZE,
    b("list"),
    LOCAL,
    OUTPUT,
    bt("overwrite"),
    s("prefix"),
    RECURSIVE,
    b("resolve"),
    SELECTOR,
    SMF,
    TEMPLATE,
];

const SET_RESOURCES_FLAGS: &[FlagSpec] = &[
    ALL,
    AMTK,
    CONTAINERS_SET,
    DRY_RUN,
    manager("kubectl-set"),
    FILENAME,
    KUSTOMIZE,
    s("limits"),
    LOCAL,
    OUTPUT,
    RECURSIVE,
    s("requests"),
    SELECTOR,
    SMF,
    TEMPLATE,
];

const ROLLOUT_STATUS_FLAGS: &[FlagSpec] = &[
    FILENAME,
    KUSTOMIZE,
    RECURSIVE,
    FlagSpec::new("revision", Int64, "0"),
    SELECTOR,
    TIMEOUT,
    bt("watch").short('w'),
];

const ROLLOUT_PRINT_FLAGS: &[FlagSpec] = &[
    AMTK,
    manager("kubectl-rollout"),
    FILENAME,
    KUSTOMIZE,
    OUTPUT,
    RECURSIVE,
    SELECTOR,
    SMF,
    TEMPLATE,
];

const ROLLOUT_UNDO_FLAGS: &[FlagSpec] = &[
    AMTK,
    DRY_RUN,
    FILENAME,
    KUSTOMIZE,
    OUTPUT,
    RECURSIVE,
    SELECTOR,
    SMF,
    TEMPLATE,
    FlagSpec::new("to-revision", Int64, "0"),
];

const ROLLOUT_HISTORY_FLAGS: &[FlagSpec] = &[
    AMTK,
    FILENAME,
    KUSTOMIZE,
    OUTPUT,
    RECURSIVE,
    FlagSpec::new("revision", Int64, "0"),
    SELECTOR,
    SMF,
    TEMPLATE,
];

const AUTOSCALE_FLAGS: &[FlagSpec] = &[
    AMTK,
    FlagSpec::new("cpu-percent", Int32, "-1"),
    DRY_RUN,
    manager("kubectl-autoscale"),
    FILENAME,
    KUSTOMIZE,
    FlagSpec::new("max", Int32, "-1").required(),
    FlagSpec::new("min", Int32, "-1"),
    s("name"),
    OUTPUT,
    RECURSIVE,
    b("save-config"),
    SMF,
    TEMPLATE,
];

const PATCH_FLAGS: &[FlagSpec] = &[
    AMTK,
    DRY_RUN,
    manager("kubectl-patch"),
    FILENAME,
    KUSTOMIZE,
    LOCAL,
    OUTPUT,
    s("patch").short('p'),
    s("patch-file"),
    RECURSIVE,
    SMF,
    SUBRESOURCE,
    TEMPLATE,
    FlagSpec::new("type", Str, "strategic"),
];

const fn meta_flags(field_manager: &'static str) -> [FlagSpec; 17] {
    [
        ALL,
        ALL_NS,
        AMTK,
        DRY_RUN,
        manager(field_manager),
        FIELD_SEL,
        FILENAME,
        KUSTOMIZE,
        b("list"),
        LOCAL,
        OUTPUT,
        b("overwrite"),
        RECURSIVE,
        s("resource-version"),
        SELECTOR,
        SMF,
        TEMPLATE,
    ]
}
const LABEL_FLAGS: &[FlagSpec] = &meta_flags("kubectl-label");
const ANNOTATE_FLAGS: &[FlagSpec] = &meta_flags("kubectl-annotate");

const DELETE_FLAGS: &[FlagSpec] = &[
    ALL,
    ALL_NS,
    CASCADE,
    DRY_RUN,
    FIELD_SEL,
    FILENAME,
    b("force"),
    FlagSpec::new("grace-period", Int, "-1"),
    b("ignore-not-found"),
    b("interactive").short('i'),
    KUSTOMIZE,
    b("now"),
    OUTPUT,
    RAW,
    RECURSIVE,
    SELECTOR,
    TIMEOUT,
    bt("wait"),
];

const APPLY_FLAGS: &[FlagSpec] = &[
    ALL,
    AMTK,
    CASCADE,
    DRY_RUN,
    manager("kubectl-client-side-apply"),
    FILENAME,
    b("force"),
    b("force-conflicts"),
    FlagSpec::new("grace-period", Int, "-1"),
    KUSTOMIZE,
    bt("openapi-patch"),
    OUTPUT,
    bt("overwrite"),
    b("prune"),
    FlagSpec::new("prune-allowlist", StringArray, "[]"),
    RECURSIVE,
    SELECTOR,
    b("server-side"),
    SMF,
    SUBRESOURCE,
    TEMPLATE,
    TIMEOUT,
    VALIDATE,
    b("wait"),
];

const CREATE_FLAGS: &[FlagSpec] = &[
    AMTK,
    DRY_RUN,
    b("edit"),
    manager("kubectl-create"),
    FILENAME,
    KUSTOMIZE,
    OUTPUT,
    RAW,
    RECURSIVE,
    b("save-config"),
    SELECTOR,
    SMF,
    TEMPLATE,
    VALIDATE,
    b("windows-line-endings"),
];

const VERSION_FLAGS: &[FlagSpec] = &[b("client"), OUTPUT];

const API_RESOURCES_FLAGS: &[FlagSpec] = &[
    s("api-group"),
    b("cached"),
    FlagSpec::new("categories", StringSlice, "[]"),
    bt("namespaced"),
    NO_HEADERS,
    OUTPUT,
    SORT_BY,
    FlagSpec::new("verbs", StringSlice, "[]"),
];

const EXPLAIN_FLAGS: &[FlagSpec] = &[
    s("api-version"),
    FlagSpec::new("output", Str, "plaintext").short('o'),
    b("recursive"),
];

macro_rules! help {
    ($file:literal) => {
        include_str!(concat!("text/help-", $file, ".txt"))
    };
}

const fn group(
    name: &'static str,
    stdout: bool,
    subcommands: &'static [CommandSpec],
    help: &'static str,
) -> CommandSpec {
    CommandSpec {
        name,
        aliases: &[],
        action: Action::GroupHelp { stdout },
        flags: &[],
        subcommands,
        help: Some(help),
    }
}

const fn with_subcommands(spec: CommandSpec, subcommands: &'static [CommandSpec]) -> CommandSpec {
    CommandSpec {
        subcommands,
        ..spec
    }
}

const SET_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::leaf("env", Verb::SetEnv, SET_ENV_FLAGS, help!("set-env")),
    CommandSpec::leaf("image", Verb::SetImage, SET_IMAGE_FLAGS, help!("set-image")),
    CommandSpec::leaf(
        "resources",
        Verb::SetResources,
        SET_RESOURCES_FLAGS,
        help!("set-resources"),
    ),
    CommandSpec::other("selector"),
    CommandSpec::other("serviceaccount").aliases(&["sa"]),
    CommandSpec::other("subject"),
];

const ROLLOUT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::leaf(
        "history",
        Verb::RolloutHistory,
        ROLLOUT_HISTORY_FLAGS,
        help!("rollout-history"),
    ),
    CommandSpec::leaf(
        "pause",
        Verb::RolloutPause,
        ROLLOUT_PRINT_FLAGS,
        help!("rollout-pause"),
    ),
    CommandSpec::leaf(
        "restart",
        Verb::RolloutRestart,
        ROLLOUT_PRINT_FLAGS,
        help!("rollout-restart"),
    ),
    CommandSpec::leaf(
        "resume",
        Verb::RolloutResume,
        ROLLOUT_PRINT_FLAGS,
        help!("rollout-resume"),
    ),
    CommandSpec::leaf(
        "status",
        Verb::RolloutStatus,
        ROLLOUT_STATUS_FLAGS,
        help!("rollout-status"),
    ),
    CommandSpec::leaf(
        "undo",
        Verb::RolloutUndo,
        ROLLOUT_UNDO_FLAGS,
        help!("rollout-undo"),
    ),
];

const TOP_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::leaf("node", Verb::TopNode, TOP_NODE_FLAGS, help!("top-node"))
        .aliases(&["nodes", "no"]),
    CommandSpec::leaf("pod", Verb::TopPod, TOP_POD_FLAGS, help!("top-pod"))
        .aliases(&["pods", "po"]),
];

const CONFIG_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::leaf(
        "current-context",
        Verb::ConfigCurrentContext,
        &[],
        help!("config-current-context"),
    ),
    CommandSpec::other("delete-cluster"),
    CommandSpec::other("delete-context"),
    CommandSpec::other("delete-user"),
    CommandSpec::other("get-clusters"),
    CommandSpec::other("get-contexts"),
    CommandSpec::other("get-users"),
    CommandSpec::other("rename-context"),
    CommandSpec::other("set"),
    CommandSpec::other("set-cluster"),
    CommandSpec::other("set-context"),
    CommandSpec::other("set-credentials"),
    CommandSpec::other("unset"),
    CommandSpec::other("use-context").aliases(&["use"]),
    CommandSpec::other("view"),
];

const CREATE_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::other("clusterrole"),
    CommandSpec::other("clusterrolebinding"),
    CommandSpec::other("configmap").aliases(&["cm"]),
    CommandSpec::other("cronjob").aliases(&["cj"]),
    CommandSpec::other("deployment").aliases(&["deploy"]),
    CommandSpec::other("ingress").aliases(&["ing"]),
    CommandSpec::other("job"),
    CommandSpec::other("namespace").aliases(&["ns"]),
    CommandSpec::other("poddisruptionbudget").aliases(&["pdb"]),
    CommandSpec::other("priorityclass").aliases(&["pc"]),
    CommandSpec::other("quota").aliases(&["resourcequota"]),
    CommandSpec::other("role"),
    CommandSpec::other("rolebinding"),
    CommandSpec::other("secret"),
    CommandSpec::other("service").aliases(&["svc"]),
    CommandSpec::other("serviceaccount").aliases(&["sa"]),
    CommandSpec::other("token"),
];

const APPLY_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::other("edit-last-applied"),
    CommandSpec::other("set-last-applied"),
    CommandSpec::other("view-last-applied"),
];

/// The top-level commands in kubectl's own order (which is also the order of its
/// suggestions).
pub const COMMANDS: &[CommandSpec] = &[
    with_subcommands(
        CommandSpec::leaf("create", Verb::Create, CREATE_FLAGS, help!("create")),
        CREATE_SUBCOMMANDS,
    ),
    CommandSpec::other("expose"),
    CommandSpec::other("run"),
    group("set", false, SET_SUBCOMMANDS, help!("set")),
    CommandSpec::leaf("explain", Verb::Explain, EXPLAIN_FLAGS, help!("explain")),
    CommandSpec::leaf("get", Verb::Get, GET_FLAGS, help!("get")),
    CommandSpec::other("edit"),
    CommandSpec::leaf("delete", Verb::Delete, DELETE_FLAGS, help!("delete")),
    group("rollout", true, ROLLOUT_SUBCOMMANDS, help!("rollout")),
    CommandSpec::leaf("scale", Verb::Scale, SCALE_FLAGS, help!("scale")),
    CommandSpec::leaf(
        "autoscale",
        Verb::Autoscale,
        AUTOSCALE_FLAGS,
        help!("autoscale"),
    ),
    CommandSpec::other("certificate"),
    with_subcommands(
        CommandSpec::leaf(
            "cluster-info",
            Verb::ClusterInfo,
            &[],
            help!("cluster-info"),
        ),
        &[CommandSpec::other("dump")],
    ),
    group("top", false, TOP_SUBCOMMANDS, help!("top")),
    CommandSpec::other("cordon"),
    CommandSpec::other("uncordon"),
    CommandSpec::other("drain"),
    CommandSpec::other("taint"),
    CommandSpec::leaf(
        "describe",
        Verb::Describe,
        DESCRIBE_FLAGS,
        help!("describe"),
    ),
    CommandSpec::leaf("logs", Verb::Logs, LOGS_FLAGS, help!("logs")),
    CommandSpec::other("attach"),
    CommandSpec::other("exec"),
    CommandSpec::other("port-forward"),
    CommandSpec::other("proxy"),
    CommandSpec::other("cp"),
    CommandSpec::other("auth"),
    CommandSpec::other("debug"),
    CommandSpec::other("events"),
    CommandSpec::other("diff"),
    with_subcommands(
        CommandSpec::leaf("apply", Verb::Apply, APPLY_FLAGS, help!("apply")),
        APPLY_SUBCOMMANDS,
    ),
    CommandSpec::leaf("patch", Verb::Patch, PATCH_FLAGS, help!("patch")),
    CommandSpec::other("replace"),
    CommandSpec::other("wait"),
    CommandSpec::other("kustomize"),
    CommandSpec::leaf("label", Verb::Label, LABEL_FLAGS, help!("label")),
    CommandSpec::leaf(
        "annotate",
        Verb::Annotate,
        ANNOTATE_FLAGS,
        help!("annotate"),
    ),
    CommandSpec::other("completion"),
    group("config", false, CONFIG_SUBCOMMANDS, help!("config")),
    CommandSpec::other("plugin"),
    CommandSpec::leaf("version", Verb::Version, VERSION_FLAGS, help!("version")),
    CommandSpec::other("api-versions"),
    CommandSpec::leaf(
        "api-resources",
        Verb::ApiResources,
        API_RESOURCES_FLAGS,
        help!("api-resources"),
    ),
    CommandSpec::other("options"),
];

/// What a bare `kubectl` prints on stdout (captured from v1.32 with no plugins on `PATH`).
pub const ROOT_HELP: &str = include_str!("text/kubectl.txt");

/// The root command.
pub const ROOT: CommandSpec = CommandSpec {
    name: "kubectl",
    aliases: &[],
    action: Action::GroupHelp { stdout: true },
    flags: &[],
    subcommands: COMMANDS,
    help: Some(ROOT_HELP),
};
