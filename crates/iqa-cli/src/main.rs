//! `iqa`: the command-line tool of the iqa toolkit. Thin: it parses arguments, reads
//! files and calls the library crates.

mod commands;

use commands::{bench, compare, datasets, eval, fr, score, synth, train};

use clap::{Parser, Subcommand};

/// mimalloc, keeping freed memory (see `iqa_cli::runtime` for why).
#[global_allocator]
static ALLOCATOR: iqa_cli::runtime::MiMalloc = iqa_cli::runtime::MiMalloc;

/// Image quality assessment: evaluation statistics, datasets and quality models.
#[derive(Debug, Parser)]
#[command(name = "iqa", version, about, long_about = None)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate predictions against subjective scores (SROCC, KROCC, PLCC, RMSE).
    Eval(eval::EvalArgs),
    /// Test whether two predictors differ significantly on the same scores.
    Compare(compare::CompareArgs),
    /// Full-reference quality of an image pair, or of every pair in a CSV.
    Fr(fr::FrArgs),
    /// Generate a synthetic IQA database (scenes, graded distortions, pseudo-MOS).
    Synth(synth::SynthArgs),
    /// No-reference quality of images with a saved model.
    Score(score::ScoreArgs),
    /// Train Hallucinated-IQA (or a variant of its ablation ladder) on a database.
    Train(train::TrainArgs),
    /// Test a saved model on a database, a split's test items or some distortion types.
    Test(train::TestArgs),
    /// Patches per second of the Hallucinated-IQA networks on a device.
    Bench(bench::BenchArgs),
    /// Check, export and split the public IQA databases.
    #[command(subcommand)]
    Datasets(datasets::DatasetsCommand),
}

fn main() -> std::process::ExitCode {
    iqa_cli::runtime::setup();
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        _ => tracing::Level::DEBUG,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        // Colour codes only on a terminal: a log file gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let result = match cli.command {
        Command::Eval(args) => eval::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Fr(args) => fr::run(&args),
        Command::Datasets(command) => datasets::run(&command),
        Command::Synth(args) => synth::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Score(args) => score::run(&args),
        Command::Train(args) => train::run_train(&args),
        Command::Test(args) => train::run_test(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error and its causes joined by ": ", leaving out a cause whose text the message
/// already holds (the library errors name their cause in their own text).
fn error_chain(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}
