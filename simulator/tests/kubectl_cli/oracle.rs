//! Locating and running the real kubectl v1.32.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the v1.32 binary is looked for; `KUBECTL_ORACLE` overrides.
const CANDIDATES: &[&str] = &[
    "/usr/lib/google-cloud-sdk/bin/kubectl.1.32",
    "/usr/local/bin/kubectl-1.32",
    "/usr/bin/kubectl.1.32",
];

/// The output of one run of the real kubectl.
pub(crate) struct Output {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) status: i32,
}

/// The v1.32 binary, or `None` (with a printed note) when it is not installed.
pub(crate) fn kubectl() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("KUBECTL_ORACLE") {
        return Some(PathBuf::from(path));
    }
    let found = CANDIDATES.iter().map(Path::new).find(|p| p.exists());
    if found.is_none() {
        println!("skipping: kubectl v1.32 not found (set KUBECTL_ORACLE to its path)");
    }
    found.map(Path::to_path_buf)
}

/// A kubeconfig whose only cluster listens on a closed port, so that nothing leaves the
/// machine and every request fails fast.
const KUBECONFIG: &str = "apiVersion: v1
kind: Config
clusters:
- cluster:
    server: http://127.0.0.1:1
  name: sim
contexts:
- context:
    cluster: sim
    namespace: sock-shop
    user: sim
  name: sim
current-context: sim
users:
- name: sim
  user: {}
";

/// Runs the binary with `args`, isolated from any kubeconfig and cache on this machine and
/// invoked as `kubectl` (kubectl quotes its own program name in some messages).
pub(crate) fn run(bin: &Path, args: &[&str]) -> Output {
    let home = std::env::temp_dir().join("odyssey-kubectl-oracle-home");
    let bin_dir = home.join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let link = bin_dir.join("kubectl");
    if std::fs::read_link(&link).ok().as_deref() != Some(bin) {
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(bin, &link).unwrap();
    }
    let config = home.join("config");
    std::fs::write(&config, KUBECONFIG).unwrap();
    let out = Command::new(&link)
        .args(args)
        .env_clear()
        .env("HOME", &home)
        .env("KUBECONFIG", &config)
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    Output {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        status: out.status.code().unwrap_or(-1),
    }
}

/// The Sock Shop manifests (application, then monitoring), sorted by file name.
pub(crate) fn manifests() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/acv-sockshop");
    let root = if root.exists() {
        root
    } else {
        PathBuf::from("/work/shared/acv-sockshop")
    };
    let mut all = Vec::new();
    for sub in ["manifests", "monitoring"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(sub))
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"));
        files.sort();
        all.extend(files);
    }
    all
}
