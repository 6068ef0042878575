//! The `imageio` command: `convert`, `info`, `plugins` and `bench` over every
//! plugin the `imageio` facade links. Exit status: 0 success, 1 error (one
//! line `error: ...` on stderr), 2 usage error, 130 interrupted by Ctrl-C (a
//! batch). A panic never shows: it is reported as `error: internal error:
//! ...` with status 1. Error hints name the command's flags, not Rust calls
//! (`hint.rs`).

mod alloc;
mod batch;
mod bench;
mod cli;
mod convert;
mod hint;
mod info;
mod inputs;
mod json;
mod options;
mod pixels;
mod plugins;
mod signal;

use std::process::ExitCode;
use std::sync::Mutex;

use clap::Parser;

/// The message of the last panic, recorded by the hook instead of printed.
static PANIC: Mutex<Option<String>> = Mutex::new(None);

/// A failure of a subcommand: the message (without `error: `).
#[derive(Debug)]
pub(crate) struct Failed(pub(crate) String);

impl From<imageio::Error> for Failed {
    /// The error in the command's words: its hint names a flag.
    fn from(e: imageio::Error) -> Self {
        Failed(hint::render(&e))
    }
}

/// What a subcommand returns.
pub(crate) type Outcome = Result<(), Failed>;

fn main() -> ExitCode {
    // Freed heap kept for the next read (alloc.rs).
    alloc::keep_freed_heap();
    // Panics are caught (here, in each batch job, and by the core around
    // plugins); the hook only records the message so that no panic text or
    // backtrace ever reaches the terminal.
    std::panic::set_hook(Box::new(|info| {
        let msg = panic_message(info.payload());
        let at = info
            .location()
            .map(|l| format!(" (at {}:{})", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut slot) = PANIC.lock() {
            *slot = Some(format!("{msg}{at}"));
        }
    }));
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(Failed(msg))) => {
            eprintln!("error: {msg}");
            ExitCode::from(if signal::interrupted() {
                signal::EXIT_INTERRUPTED
            } else {
                1
            })
        }
        Err(payload) => {
            eprintln!(
                "error: internal error: {}; please report it",
                last_panic(&payload)
            );
            ExitCode::from(1)
        }
    }
}

fn run(cli: cli::Cli) -> Outcome {
    match cli.command {
        cli::Command::Convert(a) => convert::run(a),
        cli::Command::Info(a) => info::run(a),
        cli::Command::Plugins(a) => plugins::run(a),
        cli::Command::Bench(a) => bench::run(a),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// The message of a caught panic, with its location when the hook saw it.
pub(crate) fn last_panic(payload: &(dyn std::any::Any + Send)) -> String {
    PANIC
        .lock()
        .ok()
        .and_then(|mut s| s.take())
        .unwrap_or_else(|| panic_message(payload))
}

/// Prints to stdout, ending quietly when the reader has gone (`| head`).
pub(crate) fn print(text: &str) -> Outcome {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failed(format!("cannot write to stdout: {e}"))),
    }
}
