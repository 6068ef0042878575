//! Test-only fault injection for the write path. Hidden from the docs and not
//! part of the API: nothing here is reached unless a test calls it, and its
//! effect is confined to the calling thread.
//!
//! The reliability tests (`tests/tests/writes.rs`) use it to prove that a
//! write interrupted after any number of bytes, or failing at any step of
//! its commit (flush, fsync, link, rename), leaves the previous file
//! byte-identical and no temporary file behind.
//!
//! Both settings are read once, when a file [`Output`](crate::plugin::Output)
//! is created (the first `WriteRequest::output` call of a write): set them
//! before opening the write, and switch them off after it, on the same
//! thread. The commit then fails (or not) on whichever thread closes the
//! write.

use std::cell::Cell;
use std::io;

thread_local! {
    static WRITE_BUDGET: Cell<Option<u64>> = const { Cell::new(None) };
    static COMMIT_FAULTS: Cell<u8> = const { Cell::new(0) };
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

/// **Test only.** A step of a file write that
/// [`fail_file_steps_for_tests`] can make fail.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileStep {
    /// Every `flush` of the temporary file: the ones a plugin asks for while
    /// writing, and the commit's.
    Flush,
    /// The `fsync` (`File::sync_all`) of the complete temporary file in the
    /// commit, and of the copy made where it cannot be linked.
    Fsync,
    /// Every `linkat` that would give the anonymous temporary file a name
    /// (Linux): the link under the target's name (the commit then falls back
    /// to copying the data into a named temporary file, as where `/proc` is
    /// missing) and the link under a temporary name before replacing a
    /// target. A `linkat` onto an existing name still runs and fails with
    /// `EEXIST`, as it would without the fault.
    Link,
    /// Every rename of a complete named temporary file onto the target.
    Rename,
}

impl FileStep {
    fn bit(self) -> u8 {
        match self {
            FileStep::Flush => 1,
            FileStep::Fsync => 2,
            FileStep::Link => 4,
            FileStep::Rename => 8,
        }
    }
}

/// **Test only.** Makes the given `steps` fail with an I/O error in every
/// file [`Output`](crate::plugin::Output) created on this thread from now on
/// (an empty slice switches it off). Independent of
/// [`fail_file_writes_after_for_tests`].
#[doc(hidden)]
pub fn fail_file_steps_for_tests(steps: &[FileStep]) {
    let mask = steps.iter().fold(0, |m, s| m | s.bit());
    COMMIT_FAULTS.with(|f| f.set(mask));
}

/// The steps that fail in a writer created now on this thread.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Faults(u8);

impl Faults {
    /// The steps set on this thread now.
    pub(crate) fn current() -> Faults {
        Faults(COMMIT_FAULTS.with(|f| f.get()))
    }
    /// Whether `step` is set to fail.
    pub(crate) fn fails(self, step: FileStep) -> bool {
        self.0 & step.bit() != 0
    }
    /// `Err` (the injected error) when `step` is set to fail.
    pub(crate) fn check(self, step: FileStep) -> io::Result<()> {
        if !self.fails(step) {
            return Ok(());
        }
        Err(io::Error::other(format!(
            "{step:?} failed: I/O error injected by imageio_core::test_hooks"
        )))
    }
}
