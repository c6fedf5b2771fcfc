//! The table writer against a table kubectl prints without a server: `config get-contexts`.

use odyssey_simulator::kubectl::tabwriter::{TabConfig, align};

use crate::oracle;

const CONFIG: &str = r#"apiVersion: v1
kind: Config
clusters:
- cluster: {server: "http://127.0.0.1:1"}
  name: kind-sock-shop
contexts:
- context: {cluster: kind-sock-shop, namespace: sock-shop, user: admin}
  name: sim
- context: {cluster: c, user: a-very-long-user-name}
  name: a-much-longer-context-name
- context: {cluster: kind-sock-shop, namespace: monitoring, user: é}
  name: ü
current-context: sim
users:
- name: admin
  user: {}
"#;

#[test]
fn get_table_layout_matches_kubectl_config_get_contexts() {
    let Some(bin) = oracle::kubectl() else { return };
    let dir = std::env::temp_dir().join("odyssey-kubectl-oracle-home");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("contexts.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    let config = format!("--kubeconfig={}", path.to_str().unwrap());
    let real = oracle::run(&bin, &[&config, "config", "get-contexts"]);
    assert_eq!(real.status, 0, "{}", real.stderr);

    let text = "CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE\n\
                \ta-much-longer-context-name\tc\ta-very-long-user-name\t\n\
                *\tsim\tkind-sock-shop\tadmin\tsock-shop\n\
                \tü\tkind-sock-shop\té\tmonitoring\n";
    assert_eq!(align(TabConfig::KUBECTL_GET, text), real.stdout);
}
