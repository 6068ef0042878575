//! [`RandomAccess`]: positioned reads of a request's content, for plugins of
//! raw formats (NPY, uncompressed TIFF) that want the stored bytes straight
//! in the array.
//!
//! [`ReadRequest::bytes`](crate::plugin::ReadRequest::bytes) memory-maps a large file: right
//! for parsers that jump around, wasteful for a plain array read, where every
//! page of the mapping faults in once, is copied once, and is unmapped again
//! (a fifth of a 4K raw read's time in `perf`), and where the mapped pages
//! count twice in the peak RSS (array + file). A positioned read (`pread`)
//! copies from the page cache into the array in one pass, and
//! [`RandomAccess::read_array_at`] does it into an array that was never
//! zeroed (the read writes every byte) and, on Linux, is backed by huge pages
//! when large (numpy does the same for its large arrays).

use std::fs::File;
use std::mem::MaybeUninit;
use std::sync::Arc;

use crate::uri::SharedBytes;
use crate::{with_dtype, DType, Error, Limits, NdImage, Result};

/// Positioned reads of a request's content, owned by the plugin that got it
/// from [`ReadRequest::random_access`](crate::plugin::ReadRequest::random_access): a file is
/// read with `pread` (no mapping), bytes in memory are copied. Cheap to clone.
#[derive(Clone)]
pub struct RandomAccess {
    inner: Inner,
    name: Arc<str>,
}

#[derive(Clone)]
enum Inner {
    File { file: Arc<File>, len: u64 },
    Bytes(SharedBytes),
}

impl std::fmt::Debug for RandomAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RandomAccess")
            .field("name", &self.name)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl RandomAccess {
    pub(crate) fn file(file: File, len: u64, name: &str) -> RandomAccess {
        RandomAccess {
            inner: Inner::File {
                file: Arc::new(file),
                len,
            },
            name: name.into(),
        }
    }

    pub(crate) fn bytes(bytes: SharedBytes, name: &str) -> RandomAccess {
        RandomAccess {
            inner: Inner::Bytes(bytes),
            name: name.into(),
        }
    }

    /// The length of the content in bytes (as it was when the request opened it).
    pub fn len(&self) -> u64 {
        match &self.inner {
            Inner::File { len, .. } => *len,
            Inner::Bytes(b) => b.len() as u64,
        }
    }

    /// True when the content is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fills `buf` with the content from `offset` on. Content that ends
    /// before `buf` is full is a `Decode` error saying the file is truncated.
    pub fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        // SAFETY: initialised bytes are valid `MaybeUninit<u8>`s, and `fill`
        // only ever writes initialised bytes into the slice.
        let dst = unsafe {
            std::slice::from_raw_parts_mut(buf.as_mut_ptr().cast::<MaybeUninit<u8>>(), buf.len())
        };
        self.fill(offset, dst)
    }

    /// A new C-order array of `shape` and `dtype` whose bytes are the content
    /// at `offset` (native byte order: swap afterwards if the file's differs).
    ///
    /// The size is checked against `limits` and against the content's length
    /// before anything is allocated; the array is not zeroed first, and is
    /// backed by huge pages on Linux when it is large.
    pub fn read_array_at(
        &self,
        offset: u64,
        shape: &[usize],
        dtype: DType,
        limits: &Limits,
    ) -> Result<NdImage> {
        let n = shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| Error::limit(format!("an array of shape {shape:?} overflows")))?;
        let nbytes = n
            .checked_mul(dtype.size())
            .ok_or_else(|| Error::limit(format!("an array of shape {shape:?} overflows")))?;
        limits.check_alloc(nbytes as u64)?;
        self.check_range(offset, nbytes)?;
        with_dtype!(dtype, T => {
            let v = self.read_vec::<T>(offset, n)?;
            NdImage::from_shape_vec(shape, v)
        })
    }

    fn read_vec<T: bytemuck::Pod>(&self, offset: u64, n: usize) -> Result<Vec<T>> {
        let nbytes = n * std::mem::size_of::<T>();
        let mut v = Vec::<T>::with_capacity(n);
        advise_huge_pages_raw(v.as_mut_ptr().cast::<u8>(), nbytes);
        // SAFETY: the capacity holds `nbytes` bytes; viewing them as
        // `MaybeUninit<u8>` makes no claim that they are initialised.
        let dst = unsafe {
            std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<MaybeUninit<u8>>(), nbytes)
        };
        self.fill(offset, dst)?;
        // SAFETY: `fill` returned Ok, so it initialised all `nbytes` bytes,
        // and every bit pattern is a valid `T` (`Pod`).
        unsafe { v.set_len(n) };
        Ok(v)
    }

    fn check_range(&self, offset: u64, n: usize) -> Result<()> {
        let len = self.len();
        match offset.checked_add(n as u64) {
            Some(end) if end <= len => Ok(()),
            _ => Err(Error::decode(format!(
                "the file is truncated: {n} bytes of data from byte {offset} on are needed, the \
                 file has {len} bytes"
            ))
            .with_resource(&self.name)),
        }
    }

    /// Writes all of `dst` from the content at `offset`, or fails.
    fn fill(&self, offset: u64, dst: &mut [MaybeUninit<u8>]) -> Result<()> {
        self.check_range(offset, dst.len())?;
        match &self.inner {
            Inner::Bytes(b) => {
                let src = &b[offset as usize..offset as usize + dst.len()];
                // SAFETY: `src` and `dst` have the same length and do not
                // overlap (`dst` is exclusively borrowed).
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        src.as_ptr(),
                        dst.as_mut_ptr().cast::<u8>(),
                        src.len(),
                    )
                };
                Ok(())
            }
            Inner::File { file, .. } => pread_all(file, offset, dst).map_err(|e| {
                if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    Error::decode(
                        "the file is truncated: it ended while being read (was it changed \
                         meanwhile?)",
                    )
                    .with_resource(&self.name)
                } else {
                    Error::io(e).with_resource(&self.name)
                }
            }),
        }
    }
}

#[cfg(target_os = "linux")]
fn pread_all(file: &File, offset: u64, dst: &mut [MaybeUninit<u8>]) -> std::io::Result<()> {
    let mut done = 0;
    while done < dst.len() {
        match rustix::io::pread(file, &mut dst[done..], offset + done as u64) {
            Ok(([], _)) => {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            Ok((read, _)) => done += read.len(),
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn pread_all(file: &File, offset: u64, dst: &mut [MaybeUninit<u8>]) -> std::io::Result<()> {
    pread_portable(file, offset, dst)
}

/// Positioned reads without `rustix`: the fallback off Linux, compiled (and
/// tested) everywhere. Each read names its offset (`pread` on Unix,
/// `seek_read` on Windows), so threads sharing one `File` never move a cursor
/// another relies on: a seek then a read would let two TIFF pages read in
/// parallel swap bytes.
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn pread_portable(file: &File, offset: u64, dst: &mut [MaybeUninit<u8>]) -> std::io::Result<()> {
    // Zeroed first: the portable read API takes initialised buffers.
    for b in dst.iter_mut() {
        b.write(0);
    }
    // SAFETY: every byte was just initialised.
    let buf = unsafe { std::slice::from_raw_parts_mut(dst.as_mut_ptr().cast::<u8>(), dst.len()) };
    read_exact_at_portable(file, offset, buf)
}

#[cfg(unix)]
fn read_exact_at_portable(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at_portable(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        match file.seek_read(&mut buf[done..], offset + done as u64) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Elsewhere (no positioned read in `std`): one seek and read at a time.
#[cfg(not(any(unix, windows)))]
fn read_exact_at_portable(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut f = file;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

/// Asks Linux to back the 2 MiB-aligned part of `buf` with huge pages. Call
/// it on a large buffer that was just allocated and not yet touched (a
/// fresh array about to be filled): filling it then takes one page fault per
/// 2 MiB instead of per 4 KiB, which for a 32 MiB array is a third of a raw
/// read's time. Content is unaffected; a kernel without transparent huge
/// pages ignores the advice, and other systems do nothing.
pub fn advise_huge_pages(buf: &mut [u8]) {
    advise_huge_pages_raw(buf.as_mut_ptr(), buf.len());
}

/// [`advise_huge_pages`] for `len` bytes at `ptr`, which may be
/// uninitialised (a vector's spare capacity).
#[cfg(target_os = "linux")]
fn advise_huge_pages_raw(ptr: *mut u8, len: usize) {
    const HUGE: usize = 2 << 20;
    let start = ptr as usize;
    let (first, end) = (start.next_multiple_of(HUGE), (start + len) / HUGE * HUGE);
    if end > first {
        // SAFETY: [first, end) lies inside the caller's allocation;
        // MADV_HUGEPAGE changes how the kernel backs the pages, not their
        // content, and its failure is harmless (ignored).
        let _ = unsafe {
            rustix::mm::madvise(
                first as *mut std::ffi::c_void,
                end - first,
                rustix::mm::Advice::LinuxHugepage,
            )
        };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages_raw(_ptr: *mut u8, _len: usize) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn sample() -> Vec<u8> {
        (0..=255u8).cycle().take(5000).collect()
    }

    #[test]
    fn file_and_bytes_read_the_same_arrays() {
        let data = sample();
        let mut t = tempfile::NamedTempFile::new().unwrap();
        t.write_all(&data).unwrap();
        let file = RandomAccess::file(t.reopen().unwrap(), data.len() as u64, "t");
        let bytes = RandomAccess::bytes(SharedBytes::from(data.clone()), "t");
        for ra in [&file, &bytes] {
            let img = ra
                .read_array_at(10, &[3, 4], DType::U16, &Limits::default())
                .unwrap();
            let want: Vec<u16> = data[10..34]
                .chunks(2)
                .map(|c| u16::from_ne_bytes([c[0], c[1]]))
                .collect();
            assert_eq!(img, NdImage::from_shape_vec(&[3, 4], want).unwrap());
            let mut buf = [0u8; 7];
            ra.read_exact_at(4990, &mut buf).unwrap();
            assert_eq!(buf, data[4990..4997]);
        }
    }

    #[test]
    fn reads_past_the_end_are_truncation_errors() {
        let data = sample();
        let ra = RandomAccess::bytes(SharedBytes::from(data), "short.npy");
        let e = ra
            .read_array_at(4000, &[100, 100], DType::U8, &Limits::default())
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Decode);
        assert!(e.to_string().contains("truncated"), "{e}");
        assert!(e.to_string().contains("short.npy"), "{e}");
        let mut buf = [0u8; 8];
        assert!(ra.read_exact_at(u64::MAX - 2, &mut buf).is_err());
    }

    #[test]
    fn a_file_shrunk_after_opening_is_an_error_not_garbage() {
        let data = sample();
        let mut t = tempfile::NamedTempFile::new().unwrap();
        t.write_all(&data).unwrap();
        let ra = RandomAccess::file(t.reopen().unwrap(), data.len() as u64, "t");
        t.as_file().set_len(100).unwrap();
        let e = ra
            .read_array_at(0, &[50, 100], DType::U8, &Limits::default())
            .unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
    }

    #[test]
    fn portable_positioned_reads_are_exact_across_threads() {
        // The fallback used off Linux, run here: 8 threads share one `File`
        // and read interleaved offsets. With a seek then a read on the shared
        // cursor, a thread got another's bytes.
        let data: Vec<u8> = (0..1_000_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let mut t = tempfile::NamedTempFile::new().unwrap();
        t.write_all(&data).unwrap();
        let file = Arc::new(t.reopen().unwrap());
        std::thread::scope(|s| {
            for k in 0..8u64 {
                let (file, data) = (file.clone(), &data);
                s.spawn(move || {
                    for round in 0..400u64 {
                        let offset = (k * 7919 + round * 104_729) % 990_000;
                        let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
                        let n = 1 + ((round * 31 + k) % 4096) as usize;
                        let n = n.min(1_000_000 - offset as usize);
                        pread_portable(&file, offset, &mut buf[..n]).unwrap();
                        // SAFETY: `pread_portable` returned Ok: it wrote all `n` bytes.
                        let got: Vec<u8> = buf[..n]
                            .iter()
                            .map(|b| unsafe { b.assume_init() })
                            .collect();
                        assert_eq!(got, data[offset as usize..offset as usize + n]);
                    }
                });
            }
        });
        // Past the end is an UnexpectedEof, as `pread_all` reports it.
        let mut buf = [MaybeUninit::<u8>::uninit(); 8];
        let e = pread_portable(&file, 999_996, &mut buf).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn limits_apply_before_allocating() {
        let ra = RandomAccess::bytes(SharedBytes::from(vec![0u8; 16]), "t");
        let limits = Limits {
            max_alloc: 8,
            ..Limits::default()
        };
        let e = ra
            .read_array_at(0, &[4, 4], DType::U8, &limits)
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::LimitExceeded);
        let e = ra
            .read_array_at(0, &[usize::MAX, 4], DType::U8, &Limits::default())
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::LimitExceeded);
    }
}
