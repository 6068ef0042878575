//! Test-only fault injection for the write path. Hidden from the docs and not
//! part of the API: nothing here is reached unless a test calls it, and its
//! effect is confined to the calling thread.
//!
//! The reliability tests (`tests/tests/writes.rs`) use it to prove that a
//! write interrupted after any number of bytes leaves the previous file
//! byte-identical and no temporary file behind.

use std::cell::Cell;

thread_local! {
    static WRITE_BUDGET: Cell<Option<u64>> = const { Cell::new(None) };
}

/// **Test only.** Makes every file [`Output`](crate::plugin::Output) created on this
/// thread from now on fail with an I/O error once `n` bytes have reached the
/// temporary file (`None` switches it off). The failure happens below the
/// writer's buffer, as a full disk would.
#[doc(hidden)]
pub fn fail_file_writes_after_for_tests(n: Option<u64>) {
    WRITE_BUDGET.with(|b| b.set(n));
}

/// The budget for a writer created now on this thread.
pub(crate) fn write_budget() -> Option<u64> {
    WRITE_BUDGET.with(|b| b.get())
}
