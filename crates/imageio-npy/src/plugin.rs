//! The plugin's openers: [`open_read`] and [`open_write`] serve `.npy` files
//! (one array) and `.npz` archives (one array per member, in archive order).

use std::io::{Cursor, Write};

use imageio_core::plugin::{
    with_ndimage, Output, RandomAccess, ReadRequest, Reader, WriteRequest, Writer,
};
use imageio_core::{
    Error, ErrorKind, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes,
    Value,
};
use ndarray_npy::WriteNpyExt;
use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::decode::{check_data_len, decode_at, decode_npy, decode_stream, read_header};
use crate::header::{self, Header, MAGIC};

/// A zip archive's first local file header.
pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The end of the central directory, where an empty zip archive starts.
pub(crate) const ZIP_EMPTY: &[u8] = b"PK\x05\x06";

/// Opens a reader on `request`. The core routes here only content that
/// carries the signature of [`NPY`](crate::NPY) (read as one `.npy` array)
/// or of [`NPZ`](crate::NPZ) (a zip archive). A zip archive is declined
/// ("not mine") when it is named with another extension than `.npz`, or has
/// no extension and its members are not all `.npy`.
pub fn open_read(request: &mut ReadRequest) -> Result<Box<dyn Reader>> {
    let first = request.first_bytes();
    let limits = request.limits();
    let name = match request.options().get("name") {
        None => None,
        Some(Value::Str(s)) => Some(s.clone()),
        Some(v) => {
            return Err(Error::invalid_option(format!(
                "read option \"name\" takes the name of an NPZ member, not {} {v}",
                v.type_name()
            )))
        }
    };
    if first.starts_with(MAGIC) {
        if name.is_some() {
            return Err(Error::invalid_option(
                "read option \"name\" selects a member of an .npz archive; this is an .npy file",
            ));
        }
        // The header nearly always fits in the first bytes (numpy pads it to
        // 64 or 128); then the file is never mapped, and the data is read at
        // its offset straight into the array.
        let header = match header::parse(first) {
            Ok(h) => h,
            Err(_) => header::parse(&request.bytes()?)?,
        };
        // A truncated file fails here, so that properties do not vouch for it.
        let len = usize::try_from(request.len()).unwrap_or(usize::MAX);
        check_data_len(&header, len.saturating_sub(header.data_offset))?;
        return Ok(Box::new(NpyReader {
            data: request.random_access()?,
            header,
            limits,
        }));
    }
    // Routing leaves only zip archives (a signature of NPZ): is it an NPZ?
    let ext = request.extension().map(str::to_owned);
    if matches!(&ext, Some(e) if e != ".npz") {
        return Err(Error::declined("a zip archive that is not named .npz"));
    }
    let bytes = request.bytes()?;
    let archive = ZipArchive::new(Cursor::new(bytes.clone())).map_err(zip_error)?;
    let mut members = Vec::new();
    let mut others = 0;
    for i in 0..archive.len() {
        let n = archive
            .name_for_index(i)
            .and_then(|r| r.ok())
            .unwrap_or_default();
        match n.strip_suffix(".npy") {
            Some(stem) => members.push((i, stem.to_owned())),
            None => others += 1,
        }
    }
    if ext.is_none() && (members.is_empty() || others > 0) {
        return Err(Error::declined(
            "a zip archive whose members are not all .npy",
        ));
    }
    if members.is_empty() {
        return Err(Error::decode("the .npz archive holds no .npy array"));
    }
    let names: Vec<String> = members.iter().map(|(_, n)| n.clone()).collect();
    if let Some(want) = name {
        members.retain(|(_, n)| *n == want);
        if members.is_empty() {
            return Err(Error::invalid_option(format!(
                "the archive has no member {want:?}; its arrays are: {}",
                names.join(", ")
            )));
        }
    }
    Ok(Box::new(NpzReader {
        bytes,
        archive,
        members,
        names,
        limits,
    }))
}

/// Opens a writer on `request`'s output: an `.npz` archive for a `.npz`
/// target, else (the core routes `.npy` targets here) one `.npy` array.
pub fn open_write(request: &mut WriteRequest) -> Result<Box<dyn Writer>> {
    let compress = match request.options().get("compress") {
        None => false,
        Some(v) => v.as_bool().ok_or_else(|| {
            Error::invalid_option(format!("write option \"compress\" takes a bool, not {v}"))
        })?,
    };
    if request.extension() == Some(".npz") {
        let zip = ZipWriter::new(request.output()?);
        return Ok(Box::new(NpzWriter {
            zip: Some(zip),
            count: 0,
            compress,
        }));
    }
    if request.options().contains_key("compress") {
        return Err(Error::invalid_option(
            "write option \"compress\" applies to .npz archives; .npy is never compressed",
        ));
    }
    Ok(Box::new(NpyWriter {
        out: request.output()?,
        written: false,
    }))
}

fn zip_error(e: ZipError) -> Error {
    match e {
        ZipError::UnsupportedArchive(m) => Error::unsupported(format!(
            "the .npz archive uses an unsupported zip feature: {m}"
        )),
        ZipError::CompressionMethodNotSupported(m) => Error::unsupported(format!(
            "the .npz member is compressed with zip method {m}; only stored and deflated \
             members are read"
        )),
        ZipError::InvalidPassword => {
            Error::unsupported("the .npz member is encrypted; decrypt the archive first")
        }
        e => Error::decode(format!("the .npz archive is damaged: {e}")),
    }
}

fn write_error(e: ndarray_npy::WriteNpyError) -> Error {
    match e {
        ndarray_npy::WriteNpyError::Io(io) => Error::io(io),
        e => Error::encode(format!("writing the NPY array failed: {e}")),
    }
}

fn header_metadata(h: &Header, m: &mut Metadata) {
    m.insert("dtype", h.stored.numpy_name());
    m.insert("descr", h.descr.as_str());
    m.insert("fortran_order", h.fortran_order);
    m.insert("version", format!("{}.{}", h.version.0, h.version.1));
}

fn properties_of(h: &Header, n: usize) -> ImageProperties {
    let mut p = ImageProperties::new(h.shape.clone(), h.stored.dtype());
    p.n_images = Some(n);
    p
}

/// One `.npy` file being read.
struct NpyReader {
    data: RandomAccess,
    header: Header,
    limits: Limits,
}

impl NpyReader {
    fn check(&self, index: usize) -> Result<()> {
        if index > 0 {
            return Err(Error::index_out_of_range(index, Some(1)));
        }
        Ok(())
    }
}

impl Reader for NpyReader {
    fn read(&mut self, index: usize, _options: &Options) -> Result<NdImage> {
        self.check(index)?;
        decode_at(&self.header, &self.data, &self.limits)
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(1))
    }

    fn properties(&mut self, index: usize, _options: &Options) -> Result<ImageProperties> {
        self.check(index)?;
        Ok(properties_of(&self.header, 1))
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        if let Some(i) = index {
            self.check(i)?;
        }
        let mut m = Metadata::new();
        header_metadata(&self.header, &mut m);
        Ok(m)
    }
}

/// One `.npz` archive being read; `members` are the `.npy` members in
/// archive order (zip index, name without `.npy`).
struct NpzReader {
    bytes: SharedBytes,
    archive: ZipArchive<Cursor<SharedBytes>>,
    members: Vec<(usize, String)>,
    names: Vec<String>,
    limits: Limits,
}

/// Where a member's data is: a slice of the archive (stored members, read
/// without copying) or a stream to decompress.
enum Located {
    Stored(std::ops::Range<usize>),
    Compressed,
}

impl NpzReader {
    fn member(&mut self, index: usize) -> Result<(usize, Located, &'static str)> {
        let n = self.members.len();
        let zi = self
            .members
            .get(index)
            .ok_or_else(|| Error::index_out_of_range(index, Some(n)))?
            .0;
        let f = self.archive.by_index(zi).map_err(zip_error)?;
        let method = f.compression();
        let loc = match (method, f.data_start()) {
            (CompressionMethod::Stored, Some(start)) => {
                let end = start.checked_add(f.size());
                match end {
                    Some(end) if end <= self.bytes.len() as u64 => {
                        Located::Stored(start as usize..end as usize)
                    }
                    _ => {
                        return Err(Error::decode(
                            "the .npz archive is truncated: a member's data runs past its end",
                        ))
                    }
                }
            }
            _ => Located::Compressed,
        };
        let label = if method == CompressionMethod::Stored {
            "stored"
        } else {
            "deflate"
        };
        Ok((zi, loc, label))
    }

    fn header(&mut self, index: usize) -> Result<(Header, &'static str)> {
        let (zi, loc, label) = self.member(index)?;
        let h = match loc {
            Located::Stored(r) => header::parse(&self.bytes[r])?,
            Located::Compressed => read_header(&mut self.archive.by_index(zi).map_err(zip_error)?)?,
        };
        Ok((h, label))
    }

    fn tag(&self, index: usize, e: Error) -> Error {
        match self.members.get(index) {
            Some((_, name)) if e.kind() != ErrorKind::IndexOutOfRange => {
                Error::new(e.kind(), format!("member {name:?}: {}", e.message()))
            }
            _ => e,
        }
    }
}

impl Reader for NpzReader {
    fn read(&mut self, index: usize, _options: &Options) -> Result<NdImage> {
        let r = (|| {
            let (zi, loc, _) = self.member(index)?;
            match loc {
                Located::Stored(r) => Ok(decode_npy(&self.bytes[r], &self.limits)?.1),
                Located::Compressed => {
                    let mut f = self.archive.by_index(zi).map_err(zip_error)?;
                    let h = read_header(&mut f)?;
                    decode_stream(&h, &mut f, &self.limits)
                }
            }
        })();
        r.map_err(|e| self.tag(index, e))
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(self.members.len()))
    }

    fn properties(&mut self, index: usize, _options: &Options) -> Result<ImageProperties> {
        let n = self.members.len();
        let r = self.header(index).map(|(h, _)| properties_of(&h, n));
        r.map_err(|e| self.tag(index, e))
    }

    fn metadata(&mut self, index: Option<usize>, _options: &Options) -> Result<Metadata> {
        let mut m = Metadata::new();
        m.insert(
            "names",
            self.names
                .iter()
                .map(|n| Value::from(n.as_str()))
                .collect::<Vec<_>>(),
        );
        if let Some(i) = index {
            let (h, label) = self.header(i).map_err(|e| self.tag(i, e))?;
            m.insert("name", self.members[i].1.as_str());
            header_metadata(&h, &mut m);
            m.insert("compression", label);
        }
        Ok(m)
    }
}

/// A `.npy` file being written: one array, the first `write`.
struct NpyWriter {
    out: Output,
    written: bool,
}

impl Writer for NpyWriter {
    fn write(&mut self, image: &NdImage, _options: &Options) -> Result<()> {
        if self.written {
            return Err(Error::unsupported(
                "NPY holds one array; write .npz for several",
            ));
        }
        with_ndimage!(image, a => a.write_npy(&mut self.out)).map_err(write_error)?;
        self.written = true;
        Ok(())
    }

    /// A stack is one array: written whole, its first axis kept.
    fn write_batch(&mut self, images: &NdImage, options: &Options) -> Result<()> {
        self.write(images, options)
    }

    fn close(&mut self) -> Result<()> {
        if !self.written {
            return Err(Error::invalid_input(
                "no array was written to the .npy file",
            ));
        }
        self.out.flush()?;
        Ok(())
    }
}

/// A `.npz` archive being written: each `write` appends `arr_0`, `arr_1`, ...
/// (as `numpy.savez`; deflated as `numpy.savez_compressed` with `compress`).
struct NpzWriter {
    zip: Option<ZipWriter<Output>>,
    count: usize,
    compress: bool,
}

impl Writer for NpzWriter {
    fn write(&mut self, image: &NdImage, _options: &Options) -> Result<()> {
        let zip = self
            .zip
            .as_mut()
            .ok_or_else(|| Error::invalid_input("the archive is closed"))?;
        let method = if self.compress {
            CompressionMethod::Deflated
        } else {
            CompressionMethod::Stored
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(image.nbytes() as u64 >= u32::MAX as u64 - (1 << 16));
        zip.start_file(format!("arr_{}.npy", self.count), options)
            .map_err(|e| Error::encode(format!("cannot add an .npz member: {e}")))?;
        with_ndimage!(image, a => a.write_npy(&mut *zip)).map_err(write_error)?;
        self.count += 1;
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        let zip = self
            .zip
            .take()
            .ok_or_else(|| Error::invalid_input("the archive is closed"))?;
        if self.count == 0 {
            return Err(Error::invalid_input(
                "no array was written to the .npz archive",
            ));
        }
        let mut out = zip
            .finish()
            .map_err(|e| Error::encode(format!("cannot finish the .npz archive: {e}")))?;
        out.flush()?;
        Ok(())
    }
}
