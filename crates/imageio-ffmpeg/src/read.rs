//! Reading: a demuxer and a decoder over the resource, a cursor so that
//! sequential reads never seek, exact seeks for random access, and the
//! frame count and metadata.

use std::io::Cursor;

use ff::ffi;
use ff::format::context::{Input, StreamIo};
use ff::packet::Ref as _;
use ff::util::frame::video::Video as VideoFrame;
use ff::Rational;
use ffmpeg_next as ff;
use imageio_core::plugin::{advise_huge_pages, ReadRequest, Reader};
use imageio_core::{
    Hint, ImageProperties, Limits, Metadata, NdImage, Options, Result, SharedBytes, Value,
};

use crate::scale::{to_ndimage, OutFormat, Scaler, SLACK};
use crate::{decode_err, Error};

/// How far ahead of the cursor a read decodes forward instead of seeking.
const FORWARD_WITHOUT_SEEK: usize = 48;

/// What a read returns and how the decoder runs, from the options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadConfig {
    pub out: OutFormat,
    /// Decoder threads (0 = FFmpeg chooses).
    pub thread_count: usize,
    /// `FF_THREAD_FRAME | FF_THREAD_SLICE` flags.
    pub thread_type: i32,
}

/// Parses `pixel_format`, `thread_count` and `thread_type`.
pub(crate) fn read_config(options: &Options) -> Result<ReadConfig> {
    let out = match options.get("pixel_format").and_then(Value::as_str) {
        None => OutFormat::Rgb24,
        Some(s) => OutFormat::parse(s).ok_or_else(|| {
            Error::invalid_option(format!(
                "pixel_format {s:?} is not one of {}",
                crate::OUT_FORMAT_NAMES.join(", ")
            ))
        })?,
    };
    let thread_count = match options.get("thread_count").and_then(Value::as_int) {
        None => 0,
        Some(n) if (0..=1024).contains(&n) => n as usize,
        Some(n) => {
            return Err(Error::invalid_option(format!(
                "thread_count {n} is not in 0..=1024 (0 = automatic)"
            )))
        }
    };
    let frame = ffi::FF_THREAD_FRAME;
    let slice = ffi::FF_THREAD_SLICE;
    let thread_type = match options
        .get("thread_type")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("frame+slice") => frame | slice,
        Some("frame") => frame,
        Some("slice") => slice,
        Some("none") => 0,
        Some(other) => {
            return Err(Error::invalid_option(format!(
                "thread_type {other:?} is not one of frame+slice, frame, slice, none"
            )))
        }
    };
    Ok(ReadConfig {
        out,
        thread_count,
        thread_type,
    })
}

/// Demuxers that read other resources named inside their input (playlists,
/// session descriptions, scripts, image sequences): refused unless the read
/// option `allow_playlists` is true. FFmpeg's names, as `AVInputFormat`
/// gives them (a name may be a comma-separated list of aliases).
pub const PLAYLIST_DEMUXERS: &[&str] = &[
    "hls",
    "applehttp",
    "dash",
    "concat",
    "imf",
    "sdp",
    "rtsp",
    "rtp",
    "sap",
    "image2",
    "vobsub",
    "avisynth",
    "vapoursynth",
    "lavfi",
];

/// A protocol whitelist that names no protocol: nothing can be opened.
const NO_PROTOCOL: &str = "none";

/// What a demuxer is opened over and what it may open besides.
#[derive(Clone)]
pub(crate) struct Source {
    /// The whole input, read through custom I/O (never reopened by name).
    bytes: SharedBytes,
    /// The name FFmpeg sees: for probing by extension and as the base of
    /// relative references.
    url: Option<String>,
    /// The read option `allow_playlists`.
    allow_playlists: bool,
    /// `allow_playlists` and the input is a local file with a usable
    /// absolute path: the demuxer may open local files (protocol `file`)
    /// that its input names, relative to the input's own directory.
    local_files: bool,
}

impl Source {
    /// The source of `request`: its bytes, the name FFmpeg probes with, and
    /// what the demuxer may open besides (see [`PLAYLIST_DEMUXERS`]).
    pub(crate) fn of(request: &mut ReadRequest) -> Result<Source> {
        let allow_playlists = request
            .options()
            .get("allow_playlists")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let bytes = request.bytes()?;
        let absolute = request
            .path()
            .filter(|_| allow_playlists)
            .and_then(|p| std::path::absolute(p).ok())
            .and_then(|p| p.to_str().map(str::to_owned));
        let url = match &absolute {
            Some(a) => Some(a.clone()),
            None => match request
                .path()
                .and_then(|p| p.file_name())
                .and_then(|f| f.to_str())
            {
                Some(f) => Some(f.to_owned()),
                None => request.extension().map(|e| format!("input{e}")),
            },
        };
        Ok(Source {
            bytes,
            url,
            allow_playlists,
            local_files: absolute.is_some(),
        })
    }
}

thread_local! {
    /// The first resource a demuxer on this thread asked for and was
    /// refused (see [`refuse_open`]), for the error message.
    static REFUSED: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The `io_open` callback of a format context that may open nothing besides
/// its input: every nested open (a playlist entry, a MOV data reference, an
/// image sequence, a subtitle file) fails with `EPERM`, and the first URL
/// asked for is kept for the error message.
unsafe extern "C" fn refuse_open(
    _s: *mut ffi::AVFormatContext,
    _pb: *mut *mut ffi::AVIOContext,
    url: *const std::ffi::c_char,
    _flags: std::ffi::c_int,
    _options: *mut *mut ffi::AVDictionary,
) -> std::ffi::c_int {
    let name = if url.is_null() {
        String::from("?")
    } else {
        // SAFETY: FFmpeg passes a NUL-terminated URL, valid for this call.
        let s = unsafe { std::ffi::CStr::from_ptr(url) }.to_string_lossy();
        s.chars().take(200).collect()
    };
    REFUSED.with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            r.get_or_insert(name);
        }
    });
    -ffi::EPERM
}

/// Takes the resource a nested open asked for since the last call.
fn take_refused() -> Option<String> {
    REFUSED.with(|r| r.try_borrow_mut().ok().and_then(|mut r| r.take()))
}

/// The error for a playlist-like demuxer refused by name.
fn playlist_refused(name: &str) -> Error {
    Error::unsupported(format!(
        "ffmpeg: the input is a playlist or a reference to other resources (FFmpeg demuxer \
         {name:?}); FFmpeg reads only the input it was given, so it is refused (read option \
         allow_playlists=true reads a local playlist and the local files it lists)"
    ))
}

/// The error when the demuxer asked for `what` besides its input.
fn nested_refused(what: &str, local_files: bool) -> Error {
    let why = if local_files {
        "which is not a local file"
    } else {
        "and input from memory or through a URL may open nothing (allow_playlists=true only \
         lets a playlist read from a local path open local files)"
    };
    Error::unsupported(format!(
        "ffmpeg: the input asks FFmpeg to open another resource ({what}), {why}"
    ))
}

/// The names (aliases) of a demuxer that [`PLAYLIST_DEMUXERS`] refuses.
fn is_playlist_demuxer(names: &str) -> bool {
    names.split(',').any(|n| PLAYLIST_DEMUXERS.contains(&n))
}

/// The demuxer FFmpeg picks for `src`: the probe `avformat_open_input` runs
/// (same function, same bytes, same name), on a throw-away I/O context.
fn probe(src: &Source, url: *const std::ffi::c_char) -> Result<&'static str> {
    let mut io = StreamIo::from_read_seek(Cursor::new(src.bytes.clone()))
        .map_err(|e| decode_err("cannot set up custom I/O", e))?;
    let mut fmt: *const ffi::AVInputFormat = std::ptr::null();
    // SAFETY: `io` is a valid read context that outlives the call; `url` is
    // null or a NUL-terminated string that outlives it; offset 0 and size 0
    // (FFmpeg's default) are what `avformat_open_input` passes.
    let r = unsafe {
        ffi::av_probe_input_buffer2(io.as_mut_ptr(), &mut fmt, url, std::ptr::null_mut(), 0, 0)
    };
    if r < 0 || fmt.is_null() {
        let e = if r < 0 {
            ff::Error::from(r)
        } else {
            ff::Error::InvalidData
        };
        return Err(decode_err("not a container FFmpeg can read", e));
    }
    // SAFETY: demuxers are static tables of libavformat; `name` is a
    // NUL-terminated string that lives as long as the library.
    let name = unsafe { std::ffi::CStr::from_ptr((*fmt).name) };
    name.to_str()
        .map_err(|_| Error::decode("ffmpeg: a demuxer name that is not UTF-8"))
}

/// Opens a demuxer over `src` through custom I/O (no temporary file) that
/// may open nothing else: FFmpeg's probe runs first and, unless
/// `allow_playlists`, the demuxer it picks is refused when it is one of [`PLAYLIST_DEMUXERS`] and is the only
/// one the context accepts (`format_whitelist`); MOV data references stay
/// off (`enable_drefs=0`); and every nested open fails (an `io_open`
/// callback that refuses, and a protocol whitelist naming no protocol),
/// except, for a local playlist with `allow_playlists`, local files
/// (protocol whitelist `file`).
pub(crate) fn open_input(src: &Source) -> Result<Input> {
    let url = src
        .url
        .as_deref()
        .map(std::ffi::CString::new)
        .transpose()
        .map_err(|_| Error::invalid_input("ffmpeg: a file name with a NUL byte"))?;
    let url_ptr = url.as_ref().map_or(std::ptr::null(), |u| u.as_ptr());
    let mut opts = ff::Dictionary::new();
    opts.set("enable_drefs", "0");
    if src.local_files {
        opts.set("protocol_whitelist", "file");
    } else {
        opts.set("protocol_whitelist", NO_PROTOCOL);
    }
    let name = probe(src, url_ptr)?;
    let playlist = is_playlist_demuxer(name);
    if !src.allow_playlists {
        if playlist {
            return Err(playlist_refused(name));
        }
        opts.set("format_whitelist", name);
    }
    let mut io = StreamIo::from_read_seek(Cursor::new(src.bytes.clone()))
        .map_err(|e| decode_err("cannot set up custom I/O", e))?;
    let _ = take_refused();
    // SAFETY: the context is allocated here and handed to `Input` only once
    // opened; `io` outlives it (moved into the `Input`, or dropped after
    // FFmpeg freed the context on failure: a custom I/O context is never
    // closed by FFmpeg). `url_ptr` outlives both calls; the dictionary is
    // given to FFmpeg and taken back (and freed) afterwards.
    let opened = unsafe {
        let mut ps = ffi::avformat_alloc_context();
        if ps.is_null() {
            return Err(Error::internal(
                "ffmpeg: out of memory for a format context",
            ));
        }
        (*ps).pb = io.as_mut_ptr();
        (*ps).flags |= ffi::AVFMT_FLAG_CUSTOM_IO;
        if !src.local_files {
            (*ps).io_open = Some(refuse_open);
        }
        let mut dict = opts.disown();
        let r = ffi::avformat_open_input(&mut ps, url_ptr, std::ptr::null(), &mut dict);
        drop(ff::Dictionary::own(dict));
        if r < 0 {
            Err(ff::Error::from(r))
        } else {
            let r = ffi::avformat_find_stream_info(ps, std::ptr::null_mut());
            if r < 0 {
                ffi::avformat_close_input(&mut ps);
                Err(ff::Error::from(r))
            } else {
                Ok(Input::wrap_with_custom_io(ps, io))
            }
        }
    };
    let refused = take_refused();
    let input = match (opened, refused) {
        (Ok(input), _) => input,
        (Err(_), Some(what)) => return Err(nested_refused(&what, src.local_files)),
        // A nested demuxer of the playlist opens with FFmpeg's own `io_open`
        // (concat does), which the protocol whitelist stops.
        (Err(_), None) if playlist && !src.local_files => {
            return Err(nested_refused(
                &format!("an entry of the {name} playlist"),
                false,
            ))
        }
        (Err(e), None) => return Err(decode_err("not a container FFmpeg can read", e)),
    };
    // The probe and the whitelist agree; checked again on what was opened.
    if !src.allow_playlists && is_playlist_demuxer(input.format().name()) {
        return Err(playlist_refused(input.format().name()));
    }
    Ok(input)
}

/// Reads the next packet of `input` into `packet`, releasing what `packet`
/// held first.
///
/// `av_read_frame` overwrites its packet without unreferencing it, and
/// ffmpeg-next's `Packet::read` does not unreference it either: reusing a
/// packet across reads leaked each previous packet's buffer and side data
/// (found by LeakSanitizer). Every demuxing read goes through here.
pub(crate) fn read_packet(packet: &mut ff::Packet, input: &mut Input) -> Result<(), ff::Error> {
    // Dropping the old packet runs `av_packet_unref`.
    *packet = ff::Packet::empty();
    packet.read(input)
}

/// Per-frame facts for the metadata.
#[derive(Clone, Copy, Debug)]
struct FrameInfo {
    pts: Option<i64>,
    key: bool,
}

/// An open video for reading.
pub(crate) struct VideoReader {
    source: Source,
    limits: Limits,
    config: ReadConfig,
    stream: usize,
    input: Input,
    decoder: ff::decoder::Video,
    time_base: Rational,
    width: u32,
    height: u32,
    /// Index of the frame the next `next_frame` returns.
    cursor: usize,
    /// The decoder was sent its end of stream.
    eof_sent: bool,
    /// The first demuxing error met, kept for the message when no frame decodes.
    demux_error: Option<ff::Error>,
    frame: VideoFrame,
    scaler: Scaler,
    /// Sorted timestamps of the stream's packets (from demuxing), when every
    /// packet has one; `Some(None)` when some have none.
    index: Option<Option<Vec<i64>>>,
    /// Sorted timestamps of the stream's keyframe packets.
    keyframes: Vec<i64>,
    /// Number of packets counted by demuxing.
    demux_count: Option<usize>,
    /// The container's frame count (mp4/mov sample tables).
    container_frames: Option<usize>,
    last: Option<(usize, FrameInfo)>,
    /// `position` left frame `cursor` decoded in `self.frame` (after a seek).
    pending: bool,
    /// The decoder runs without frame threads, as seeks need (see `position`).
    seek_decoder: bool,
    file_meta: Metadata,
}

/// The decoder for stream `index` of `input`.
fn open_decoder(input: &Input, index: usize, config: &ReadConfig) -> Result<ff::decoder::Video> {
    let stream = input
        .stream(index)
        .ok_or_else(|| Error::internal("the stream vanished"))?;
    let mut ctx = ff::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| decode_err("cannot read the codec parameters", e))?;
    // SAFETY: the context is ours and not opened yet; these are plain fields
    // FFmpeg reads when opening the codec (frame and slice threading both
    // allowed by default, as the ffmpeg CLI does).
    unsafe {
        let raw = ctx.as_mut_ptr();
        (*raw).thread_count = config.thread_count as i32;
        (*raw).thread_type = config.thread_type;
        (*raw).pkt_timebase = stream.time_base().into();
    }
    if ff::decoder::find(ctx.id()).is_none() {
        return Err(Error::unsupported(format!(
            "ffmpeg: the linked FFmpeg has no decoder for codec {:?}",
            ctx.id()
        )));
    }
    ctx.decoder()
        .video()
        .map_err(|e| decode_err("cannot open the video decoder", e))
}

impl VideoReader {
    /// Opens the request: demuxer, stream, decoder, header checks.
    pub(crate) fn open(request: &mut ReadRequest) -> Result<VideoReader> {
        let config = read_config(request.options())?;
        let source = Source::of(request)?;
        let input = open_input(&source)?;
        let stream = match request.options().get("stream").and_then(Value::as_int) {
            Some(i) => {
                let s = usize::try_from(i)
                    .ok()
                    .and_then(|i| input.stream(i))
                    .ok_or_else(|| {
                        Error::invalid_option(format!(
                            "stream {i}: the file has {} stream(s)",
                            input.nb_streams()
                        ))
                    })?;
                if s.parameters().medium() != ff::media::Type::Video {
                    return Err(Error::invalid_option(format!(
                        "stream {i} is {:?}, not video",
                        s.parameters().medium()
                    )));
                }
                s.index()
            }
            None => input
                .streams()
                .best(ff::media::Type::Video)
                .ok_or_else(|| Error::decode("ffmpeg: the file has no video stream"))?
                .index(),
        };
        // SAFETY: codecpar of an opened stream is valid while `input` lives.
        let (w, h) = unsafe {
            let s = input.stream(stream).expect("stream exists");
            let par = (*s.as_ptr()).codecpar;
            ((*par).width, (*par).height)
        };
        let limits = request.limits();
        if w <= 0 || h <= 0 {
            return Err(Error::decode(format!(
                "ffmpeg: the video stream has no valid size ({w}x{h})"
            )));
        }
        limits.check_dimensions(w as u64, h as u64)?;
        limits.check_alloc(config.out.frame_bytes(w as usize, h as usize) as u64)?;
        let decoder = open_decoder(&input, stream, &config)?;
        let st = input.stream(stream).expect("stream exists");
        let time_base = st.time_base();
        let is_mov = input.format().name().contains("mov");
        let container_frames = (is_mov && st.frames() > 0).then(|| st.frames() as usize);
        let mut r = VideoReader {
            source,
            limits,
            config,
            stream,
            input,
            decoder,
            time_base,
            width: w as u32,
            height: h as u32,
            cursor: 0,
            eof_sent: false,
            demux_error: None,
            frame: VideoFrame::empty(),
            scaler: Scaler::default(),
            index: None,
            keyframes: Vec::new(),
            demux_count: None,
            container_frames,
            last: None,
            pending: false,
            seek_decoder: false,
            file_meta: Metadata::new(),
        };
        r.file_meta = r.collect_metadata();
        Ok(r)
    }

    /// File-level metadata from the container and stream headers.
    fn collect_metadata(&self) -> Metadata {
        let mut m = Metadata::new();
        for (k, v) in self.input.metadata().iter() {
            m.insert(k.to_ascii_lowercase(), v);
        }
        let st = self.input.stream(self.stream).expect("stream exists");
        for (k, v) in st.metadata().iter() {
            let k = k.to_ascii_lowercase();
            if !m.contains_key(&k) {
                m.insert(k, v);
            }
        }
        let mut fps = st.avg_frame_rate();
        if fps.numerator() <= 0 || fps.denominator() <= 0 {
            fps = st.rate();
        }
        if fps.numerator() > 0 && fps.denominator() > 0 {
            m.insert(imageio_core::keys::FPS, f64::from(fps));
            m.insert(
                "fps_rational",
                vec![Value::from(fps.numerator()), Value::from(fps.denominator())],
            );
        }
        // SAFETY: plain fields of the opened format context.
        let (duration, bit_rate) = unsafe {
            let p = self.input.as_ptr();
            ((*p).duration, (*p).bit_rate)
        };
        if duration != ffi::AV_NOPTS_VALUE && duration > 0 {
            m.insert("duration_s", duration as f64 / f64::from(ffi::AV_TIME_BASE));
        } else if st.duration() != ffi::AV_NOPTS_VALUE && st.duration() > 0 {
            m.insert(
                "duration_s",
                st.duration() as f64 * f64::from(self.time_base),
            );
        }
        if let Some(c) = self.decoder.codec() {
            m.insert(imageio_core::keys::CODEC, c.name());
            m.insert("codec_long", c.description());
        }
        if let Some(d) = self.decoder.format().descriptor() {
            m.insert(imageio_core::keys::PIXEL_FORMAT, d.name());
        }
        let stream_rate = self.decoder.bit_rate();
        if stream_rate > 0 {
            m.insert("bit_rate", stream_rate);
        } else if bit_rate > 0 {
            m.insert("bit_rate", bit_rate);
        }
        m.insert("width", self.width);
        m.insert("height", self.height);
        m.insert("stream", self.stream);
        m.insert("time_base", f64::from(self.time_base));
        m.insert("rotation", self.rotation());
        if let Some(n) = self.container_frames {
            m.insert(imageio_core::keys::N_FRAMES, n);
            m.insert("n_frames_source", "container");
        }
        m
    }

    /// Display rotation in degrees counterclockwise, 0..360 (FFmpeg's
    /// display-matrix convention, as ffprobe and PyAV report it), from the
    /// stream's display matrix or else its legacy `rotate` tag (clockwise).
    fn rotation(&self) -> f64 {
        let st = self.input.stream(self.stream).expect("stream exists");
        for sd in st.side_data() {
            if sd.kind() == ff::codec::packet::side_data::Type::DisplayMatrix
                && sd.data().len() >= 36
            {
                let mut m = [0i32; 9];
                for (i, c) in sd.data()[..36].chunks_exact(4).enumerate() {
                    m[i] = i32::from_ne_bytes([c[0], c[1], c[2], c[3]]);
                }
                // SAFETY: `m` holds the 9 entries av_display_rotation_get reads.
                let ccw = unsafe { ffi::av_display_rotation_get(m.as_ptr()) };
                if ccw.is_finite() {
                    let r = ccw.rem_euclid(360.0);
                    return if (r - 360.0).abs() < 1e-9 { 0.0 } else { r };
                }
            }
        }
        st.metadata()
            .get("rotate")
            .and_then(|s| s.parse::<f64>().ok())
            .map(|r| (-r).rem_euclid(360.0))
            .unwrap_or(0.0)
    }

    /// Reopens the demuxer and the decoder at the start of the stream.
    fn reset(&mut self) -> Result<()> {
        self.input = open_input(&self.source)?;
        self.decoder = open_decoder(&self.input, self.stream, &self.config)?;
        self.seek_decoder = false;
        self.cursor = 0;
        self.eof_sent = false;
        Ok(())
    }

    /// Demuxes the whole stream once (no decoding): the exact packet count and
    /// the sorted timestamps used to seek.
    fn ensure_index(&mut self) -> Result<()> {
        if self.index.is_some() {
            return Ok(());
        }
        let mut input = open_input(&self.source)?;
        let mut pts = Vec::new();
        let mut keys = Vec::new();
        let mut counted = 0usize;
        let mut complete = true;
        let mut packet = ff::Packet::empty();
        loop {
            match read_packet(&mut packet, &mut input) {
                Ok(()) => {}
                Err(ff::Error::Eof) => break,
                // A damaged tail ends the count where the demuxer gave up,
                // as decoding does.
                Err(_) => break,
            }
            if packet.stream() != self.stream || packet.size() == 0 {
                continue;
            }
            // SAFETY: flags of the packet just read.
            let discard = unsafe { (*packet.as_ptr()).flags & ffi::AV_PKT_FLAG_DISCARD != 0 };
            if discard {
                continue;
            }
            counted += 1;
            match packet.pts().or(packet.dts()) {
                Some(t) => {
                    pts.push(t);
                    if packet.is_key() {
                        keys.push(t);
                    }
                }
                None => complete = false,
            }
            if pts.len() % 65536 == 0 {
                self.limits
                    .check_alloc((pts.len() * std::mem::size_of::<i64>()) as u64)?;
            }
        }
        pts.sort_unstable();
        keys.sort_unstable();
        self.keyframes = keys;
        self.demux_count = Some(counted);
        // Packets without timestamps: counted, but never a seek target.
        self.index = Some(complete.then_some(pts));
        Ok(())
    }

    /// The number of frames: the container's count (mp4/mov), or an exact
    /// count by demuxing.
    fn count(&mut self) -> Result<usize> {
        if let Some(n) = self.container_frames {
            return Ok(n);
        }
        self.ensure_index()?;
        Ok(self.demux_count.unwrap_or(0))
    }

    /// Decodes the next frame into `self.frame`; `false` at the end.
    fn next_frame(&mut self) -> Result<bool> {
        let mut packet = ff::Packet::empty();
        loop {
            match self.decoder.receive_frame(&mut self.frame) {
                Ok(()) => {
                    self.cursor += 1;
                    return Ok(true);
                }
                Err(ff::Error::Eof) => return Ok(false),
                Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => {}
                Err(e) => return Err(decode_err("decoding failed", e)),
            }
            if self.eof_sent {
                return Ok(false);
            }
            // Feed one packet of our stream (or the end of stream).
            loop {
                match read_packet(&mut packet, &mut self.input) {
                    Ok(()) => {
                        if packet.stream() != self.stream {
                            continue;
                        }
                        match self.decoder.send_packet(&packet) {
                            Ok(()) => {}
                            // A damaged packet: skip it, as the ffmpeg CLI does.
                            Err(ff::Error::InvalidData) => {}
                            Err(e) => return Err(decode_err("decoding failed", e)),
                        }
                    }
                    Err(e) => {
                        if e != ff::Error::Eof && self.demux_error.is_none() {
                            self.demux_error = Some(e);
                        }
                        self.eof_sent = true;
                        let _ = self.decoder.send_eof();
                    }
                }
                break;
            }
        }
    }

    /// Seeks so that the next decoded frame is frame `n` (exact); falls back
    /// to decoding from the start when the stream cannot seek exactly.
    fn position(&mut self, n: usize) -> Result<()> {
        if n == self.cursor {
            return Ok(());
        }
        if n > self.cursor && n - self.cursor <= FORWARD_WITHOUT_SEEK {
            return self.skip_to(n);
        }
        self.ensure_index()?;
        let target = match &self.index {
            Some(Some(pts)) => pts.get(n).copied(),
            _ => None,
        };
        let Some(target) = target else {
            if n < self.cursor {
                self.reset()?;
            }
            return self.skip_to(n);
        };
        // A trial seek may decode broken frames on purpose (then falls back,
        // and frame threads may still report them after the fallback):
        // keep FFmpeg quiet meanwhile. The level is process-wide; other
        // readers lose at most their error logs during the trial.
        struct Quiet;
        impl Drop for Quiet {
            fn drop(&mut self) {
                ff::util::log::set_level(ff::util::log::Level::Error);
            }
        }
        ff::util::log::set_level(ff::util::log::Level::Quiet);
        let _quiet = Quiet;
        // The keyframes at or before the target, nearest first (at most two
        // tries: some files mark frames as keyframes that do not decode alone).
        let candidates: Vec<i64> = self
            .keyframes
            .iter()
            .rev()
            .filter(|&&k| k <= target)
            .take(2)
            .copied()
            .collect();
        for k in candidates {
            let k_index = match &self.index {
                Some(Some(pts)) => pts.partition_point(|&p| p < k),
                _ => 0,
            };
            if k_index == 0 {
                break; // the first keyframe: decoding from the start is the same
            }
            if n > self.cursor && k_index <= self.cursor {
                return self.skip_to(n); // no keyframe between: decode on
            }
            self.use_seek_decoder()?;
            if self.seek_and_decode(k, target)? {
                self.cursor = n;
                self.pending = true;
                return Ok(());
            }
        }
        self.reset()?;
        self.skip_to(n)
    }

    /// Switches to a decoder without frame threads before a seek. With
    /// frame threads the H.264 decoder does not always flag a frame it
    /// concealed (a keyframe that needs frames before it): a trial seek then
    /// took such a frame for good in about half the runs. Slice threads flag
    /// errors on the frame they hit. Reading on after a seek keeps this
    /// decoder; a read from the start (`reset`) gets the configured one back.
    fn use_seek_decoder(&mut self) -> Result<()> {
        if self.config.thread_type & ffi::FF_THREAD_FRAME != 0 && !self.seek_decoder {
            let config = ReadConfig {
                thread_type: self.config.thread_type & !ffi::FF_THREAD_FRAME,
                ..self.config
            };
            self.decoder = open_decoder(&self.input, self.stream, &config)?;
            self.seek_decoder = true;
        }
        Ok(())
    }

    /// Seeks to keyframe timestamp `key` and decodes forward to the frame of
    /// timestamp `target`, left in `self.frame`. `false` when the seek cannot
    /// be trusted (a frame decoded with errors, a timestamp missing or past
    /// the target): the caller then decodes from further back.
    fn seek_and_decode(&mut self, key: i64, target: i64) -> Result<bool> {
        // SAFETY: the format context is open; av_seek_frame takes the
        // stream index and a timestamp in that stream's time base.
        let r = unsafe {
            ffi::av_seek_frame(
                self.input.as_mut_ptr(),
                self.stream as i32,
                key,
                ffi::AVSEEK_FLAG_BACKWARD,
            )
        };
        if r < 0 {
            return Ok(false);
        }
        self.decoder.flush();
        self.eof_sent = false;
        loop {
            if !self.next_frame()? {
                return Ok(false);
            }
            if self.frame.is_corrupt() || !self.frame.decode_error_flags().is_empty() {
                return Ok(false);
            }
            match self.frame.timestamp().or(self.frame.pts()) {
                Some(t) if t < target => continue,
                Some(t) if t == target => return Ok(true),
                _ => return Ok(false),
            }
        }
    }

    /// Decodes forward, dropping frames, until the next one is frame `n`.
    fn skip_to(&mut self, n: usize) -> Result<()> {
        while self.cursor < n {
            if !self.next_frame()? {
                return Err(Error::index_out_of_range(n, Some(self.cursor)));
            }
        }
        Ok(())
    }

    /// Frame `n`, decoded and left in `self.frame`.
    fn decode(&mut self, n: usize) -> Result<()> {
        if let Some(count) = self.known_count() {
            if n >= count {
                return Err(Error::index_out_of_range(n, Some(count)));
            }
        }
        self.pending = false;
        self.position(n)?;
        if self.pending {
            // `position` already decoded frame n (after a seek).
            self.pending = false;
            self.cursor = n + 1;
        } else if !self.next_frame()? {
            let decoded = self.cursor;
            if decoded == 0 {
                let why = self
                    .demux_error
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "no frame could be decoded".into());
                return Err(Error::decode(format!("ffmpeg: {why}")));
            }
            return Err(Error::index_out_of_range(n, Some(decoded)));
        }
        let info = FrameInfo {
            pts: self.frame.timestamp().or(self.frame.pts()),
            key: self.frame.is_key(),
        };
        self.last = Some((n, info));
        Ok(())
    }

    /// The frame count when it is already known without work.
    fn known_count(&self) -> Option<usize> {
        self.container_frames.or(self.demux_count)
    }

    /// Converts `self.frame` straight into `dst`, which holds its packed
    /// rows and [`SLACK`] bytes after them.
    fn convert_into(&mut self, dst: &mut [u8]) -> Result<()> {
        let out = self.config.out;
        self.scaler
            .convert_to_slice(&self.frame, out, self.width, self.height, dst)
    }
}

impl Reader for VideoReader {
    fn read(&mut self, index: usize, options: &Options) -> Result<NdImage> {
        self.apply(options)?;
        self.decode(index)?;
        let out = self.config.out;
        let (w, h) = (self.width as usize, self.height as usize);
        let fb = out.frame_bytes(w, h);
        let mut bytes = vec![0u8; fb + SLACK];
        self.convert_into(&mut bytes)?;
        bytes.truncate(fb);
        to_ndimage(out, None, w, h, bytes)
    }

    fn n_images(&mut self) -> Result<Option<usize>> {
        Ok(Some(self.count()?))
    }

    fn read_all(&mut self, options: &Options, limits: Limits) -> Result<NdImage> {
        self.apply(options)?;
        let n = self.count()?;
        let out = self.config.out;
        let (w, h) = (self.width as usize, self.height as usize);
        let mut shape = vec![n];
        shape.extend(out.shape(w, h));
        limits.check_shape(&shape, out.dtype()).map_err(|e| {
            Error::limit(format!(
                "{} ({n} frames of {w}x{h}x{})",
                e.message(),
                out.channels()
            ))
            .with_hint(Hint::ReadOneByOne)
        })?;
        let fb = out.frame_bytes(w, h);
        // Zeroed lazily by the allocator (fresh pages), backed by huge pages
        // where Linux allows: filling 60 frames of 1080p RGB took 30% of the
        // read in 4 KiB page faults. Each frame is converted straight into
        // its slot.
        let total = n
            .checked_mul(fb)
            .and_then(|b| b.checked_add(SLACK))
            .ok_or_else(|| Error::limit(format!("{n} frames of {fb} bytes overflow")))?;
        let mut bytes = vec![0u8; total];
        advise_huge_pages(&mut bytes);
        let mut got = 0usize;
        loop {
            match self.decode(got) {
                Ok(()) => {}
                Err(e) if e.kind() == imageio_core::ErrorKind::IndexOutOfRange && got > 0 => break,
                Err(e) => return Err(e),
            }
            limits
                .check_alloc((got as u64 + 1).saturating_mul(fb as u64))
                .map_err(|e| Error::limit(e.message()).with_hint(Hint::ReadOneByOne))?;
            if got == n {
                // More frames than counted: room for one more.
                bytes.resize((got + 1) * fb + SLACK, 0);
            }
            self.convert_into(&mut bytes[got * fb..])?;
            got += 1;
        }
        bytes.truncate(got * fb);
        to_ndimage(out, Some(got), w, h, bytes)
    }

    fn properties(&mut self, _index: usize, options: &Options) -> Result<ImageProperties> {
        self.apply(options)?;
        let out = self.config.out;
        let mut p = ImageProperties::new(
            out.shape(self.width as usize, self.height as usize),
            out.dtype(),
        );
        p.n_images = Some(self.count()?);
        Ok(p)
    }

    fn metadata(&mut self, index: Option<usize>, options: &Options) -> Result<Metadata> {
        self.apply(options)?;
        let mut m = self.file_meta.clone();
        if !m.contains_key(imageio_core::keys::N_FRAMES) {
            let n = self.count()?;
            m.insert(imageio_core::keys::N_FRAMES, n);
            m.insert("n_frames_source", "demux");
        }
        if let Some(i) = index {
            if self.last.map(|(j, _)| j) != Some(i) {
                self.decode(i)?;
            }
            let (_, info) = self.last.expect("decoded");
            if let Some(pts) = info.pts {
                m.insert("pts", pts);
                m.insert("time", pts as f64 * f64::from(self.time_base));
            }
            m.insert("key_frame", info.key);
        }
        Ok(m)
    }
}

impl VideoReader {
    /// Takes the per-call options (the pixel format may change per read).
    fn apply(&mut self, options: &Options) -> Result<()> {
        self.config.out = read_config(options)?.out;
        Ok(())
    }
}
