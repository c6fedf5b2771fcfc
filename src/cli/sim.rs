//! `odyssey sim ...`: the simulated world on its own, for people and scripts.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use odyssey_simulator::{Scenario, World};

/// Where the world comes from.
#[derive(Debug, Args)]
pub struct WorldArgs {
    /// Scenario directory (holding `scenario.toml`); the built-in Sock Shop when absent.
    #[arg(long, value_name = "DIR")]
    pub scenario: Option<PathBuf>,
    /// Seed of the world's generator; the scenario's own seed when absent.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

impl WorldArgs {
    /// Loads the scenario and builds its world.
    ///
    /// # Errors
    /// An unreadable or invalid scenario, or one whose objects cannot be applied.
    pub fn build(&self) -> anyhow::Result<World> {
        let scenario = match &self.scenario {
            Some(dir) => Scenario::load(dir)
                .with_context(|| format!("cannot load scenario {}", dir.display()))?,
            None => Scenario::embedded_sock_shop(),
        };
        let seed = self.seed.unwrap_or(scenario.file.seed);
        World::new(Arc::new(scenario), seed).context("cannot build the simulated world")
    }
}

/// The `sim` subcommands.
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Runs one kubectl command line against a fresh world; prints what kubectl would.
    Kubectl {
        /// The world.
        #[command(flatten)]
        world: WorldArgs,
        /// The kubectl arguments, after `--`.
        #[arg(last = true, allow_hyphen_values = true, value_name = "KUBECTL ARGS")]
        args: Vec<String>,
    },
    /// Runs every line of a script in one world, each after a `$ LINE` header.
    Exec {
        /// The world.
        #[command(flatten)]
        world: WorldArgs,
        /// The script: `kubectl ...` lines, `sleep 30s`, `#` comments.
        #[arg(long, value_name = "FILE")]
        script: PathBuf,
    },
    /// Runs one PromQL query against a fresh world's Prometheus; prints the HTTP API's JSON.
    Promql {
        /// The world.
        #[command(flatten)]
        world: WorldArgs,
        /// Virtual time to let pass after the warm-up before querying (`30s`, `10m`).
        #[arg(long, value_name = "DURATION")]
        at: Option<String>,
        /// The query, after `--`.
        #[arg(last = true, value_name = "QUERY")]
        query: Vec<String>,
    },
    /// Serves one world over HTTP on loopback: the Kubernetes API (for kubectl and kube-rs)
    /// and the Prometheus HTTP API, until stopped with Ctrl-C.
    Serve {
        /// The world.
        #[command(flatten)]
        world: WorldArgs,
        /// Address of the Kubernetes API (port 0 picks a free port).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
        kube_addr: std::net::SocketAddr,
        /// Address of the Prometheus HTTP API (port 0 picks a free port).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
        prom_addr: std::net::SocketAddr,
        /// Where to write a kubeconfig for the Kubernetes address.
        #[arg(long, value_name = "FILE")]
        kubeconfig_out: Option<PathBuf>,
    },
    /// Runs Prometheus's PromQL test scripts; prints `passed N, failed N, skipped N` per file.
    Promqltest {
        /// Test script files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Also list every skipped case with its reason.
        #[arg(long)]
        verbose: bool,
    },
}

/// Runs a `sim` subcommand.
///
/// # Errors
/// Harness failures: an unreadable scenario or script.
pub fn run(cmd: SimCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SimCommand::Kubectl { world, args } => {
            let mut world = world.build()?;
            let out = world.kubectl(&args);
            print!("{}", out.stdout);
            eprint!("{}", out.stderr);
            Ok(ExitCode::from(u8::try_from(out.status).unwrap_or(1)))
        }
        SimCommand::Promql { world, at, query } => {
            let mut world = world.build()?;
            if let Some(at) = at {
                let d = odyssey_simulator::clock::parse_duration(&at)
                    .map_err(|e| anyhow::anyhow!("invalid --at: {e}"))?;
                world.advance(d);
            }
            let params = odyssey_simulator::prometheus::form::Params::from_pairs([(
                "query",
                query.join(" "),
            )]);
            let answer = world.prometheus_api("/api/v1/query", &params);
            println!("{}", answer.body.trim_end());
            Ok(if answer.status == 200 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        SimCommand::Promqltest { files, verbose } => {
            let mut failed = false;
            for file in &files {
                let report = odyssey_simulator::promql::testscript::run_file(file)
                    .with_context(|| format!("cannot run {}", file.display()))?;
                println!(
                    "{}: passed {}, failed {}, skipped {}",
                    file.display(),
                    report.passed,
                    report.failed.len(),
                    report.skipped.len()
                );
                for f in &report.failed {
                    println!("  FAIL {}:{}: {}: {}", f.file, f.line, f.query, f.message);
                }
                if verbose {
                    for s in &report.skipped {
                        println!("  skip line {}: {}: {}", s.line, s.query, s.reason);
                    }
                }
                failed |= !report.failed.is_empty();
            }
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        SimCommand::Serve {
            world,
            kube_addr,
            prom_addr,
            kubeconfig_out,
        } => serve(world.build()?, kube_addr, prom_addr, kubeconfig_out),
        SimCommand::Exec { world, script } => {
            let text = std::fs::read_to_string(&script)
                .with_context(|| format!("cannot read script {}", script.display()))?;
            let mut world = world.build()?;
            let (transcript, ok) = world.run_script(&text);
            print!("{transcript}");
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// `sim serve`: binds both APIs, writes the kubeconfig, prints the two base URLs and serves
/// until Ctrl-C.
fn serve(
    world: World,
    kube_addr: std::net::SocketAddr,
    prom_addr: std::net::SocketAddr,
    kubeconfig_out: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    use odyssey_simulator::server;

    let context = world.scenario().file.cluster.context.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let shared = Arc::new(std::sync::Mutex::new(world));
        let running = server::serve(shared, kube_addr, prom_addr, server::Limits::default())
            .await
            .context("cannot start the server")?;
        if let Some(path) = &kubeconfig_out {
            std::fs::write(path, running.kubeconfig(&context))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        println!("kubernetes: http://{}", running.kube_addr);
        println!("prometheus: http://{}", running.prom_addr);
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        running.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}
