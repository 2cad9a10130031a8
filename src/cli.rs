//! Command-line parsing and dispatch. Each subcommand lives in its own file under `cli/`;
//! `bench` is the `scratchcomm-bench` crate.

use clap::{Parser, Subcommand};

mod demo;
mod keygen;
mod serve;
mod set;
mod watch;
mod whoami;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "scratchcomm",
    version,
    about = "Talk to Scratch and TurboWarp projects through cloud variables"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the embedded cloud server (TurboWarp protocol).
    Serve(serve::ServeArgs),
    /// Print every cloud variable event of a project, one line each.
    Watch(watch::WatchArgs),
    /// Set one cloud variable and exit once it is sent.
    Set(set::SetArgs),
    /// Generate a security key for secure cloud sockets and print its public data.
    Keygen(keygen::KeygenArgs),
    /// Print the Scratch account data of a session.
    Whoami(whoami::WhoamiArgs),
    /// Load generator: embedded server, request bot and many clients; requests/s and latency.
    Bench(scratchcomm_bench::BenchArgs),
    /// The main job on the embedded default: server, bot and clients, no account, no internet.
    Demo(demo::DemoArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Serve(a) => serve::run(a),
        Command::Watch(a) => watch::run(a),
        Command::Set(a) => set::run(a),
        Command::Keygen(a) => keygen::run(a),
        Command::Whoami(a) => whoami::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Bench(a) => scratchcomm_bench::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
