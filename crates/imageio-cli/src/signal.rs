//! Ctrl-C in batch mode: the first SIGINT (Ctrl-C, or the console's break
//! on Windows) asks the batch to stop starting files; the files in progress
//! finish, so that every output is whole, and the summary says how far it
//! got. A second one ends the process at once (outputs in progress are then
//! discarded: they only become the target when complete).

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the first Ctrl-C.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The exit status after an interrupt, as shells report a SIGINT.
pub(crate) const EXIT_INTERRUPTED: u8 = 130;

/// Installs the handler (once; later calls do nothing).
pub(crate) fn install() {
    // An error means a handler is already set (a second batch in a test).
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
    });
}

/// True after a Ctrl-C.
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
