//! How the command's heap hands memory back to the system (glibc on Linux).
//!
//! glibc serves a block from 128 KiB up with its own `mmap` and returns it
//! with `munmap` when freed; after such a free it raises that threshold to
//! the block's size, and trims the heap's free top once it exceeds twice the
//! threshold. Reading images one after the other sits right on that edge: a
//! progressive 4K JPEG makes libjpeg-turbo allocate and zero 25 MB of
//! coefficients, then the 24 MiB array comes back; freed together they
//! exceed the trim threshold, so each read maps and faults in fresh pages
//! again (6,400 page faults and 14 ms of kernel time per 52 ms read,
//! measured with `perf stat` on `imageio bench`). A Python process
//! running the same libjpeg-turbo happens to stay under the edge.
//!
//! The command is a short-lived program that reads image after image
//! (`convert` batches, `bench`), so it fixes both thresholds at start:
//! blocks under [`MMAP_THRESHOLD`] come from the heap, and up to
//! [`TRIM_THRESHOLD`] of freed heap is kept for the next read. Larger
//! arrays (a video, an 8K image) are still mapped and unmapped on their own.
//! The library itself does not do this: the allocator belongs to the
//! program, and a long-running program may prefer to return memory.

/// Blocks from this size on are mapped on their own (glibc's default is
/// 128 KiB, raised dynamically up to 32 MiB).
pub(crate) const MMAP_THRESHOLD: usize = 64 << 20;

/// Free memory at the heap's top kept for reuse up to this much.
pub(crate) const TRIM_THRESHOLD: usize = 256 << 20;

/// Sets glibc's thresholds (see the module docs); true when glibc took
/// both. Elsewhere (another libc, another system) nothing is done.
pub(crate) fn keep_freed_heap() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // glibc's <malloc.h> parameter numbers.
        const M_TRIM_THRESHOLD: i32 = -1;
        const M_MMAP_THRESHOLD: i32 = -3;
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: `mallopt` takes no pointers and may be called at any time;
        // Rust's global allocator on this target is glibc's malloc. Both
        // values fit an `int`.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD as i32) == 1
                && mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD as i32) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_takes_both_thresholds() {
        assert_eq!(
            keep_freed_heap(),
            cfg!(all(target_os = "linux", target_env = "gnu"))
        );
        // Both fit glibc's `int` parameter.
        assert!(i32::try_from(MMAP_THRESHOLD).is_ok());
        assert!(i32::try_from(TRIM_THRESHOLD).is_ok());
    }
}
