//! JPEG 2000 encoding with OpenJPEG through its C API (`openjpeg-sys`).
//!
//! `jpeg2k` (used for decoding) has no way to build an image from pixels nor to set a
//! compression ratio, so encoding calls OpenJPEG directly. This is the only module of the
//! crate with `unsafe` code; every block says what it relies on. The codec, stream and
//! image handles are owned by guards that free them on every path.

#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_void};
use std::path::PathBuf;

use image::RgbImage;
use openjpeg_sys as opj;

use crate::{DataError, Result};

/// Options of one JPEG 2000 encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct J2kOptions {
    /// Compression ratio (raw 24-bit size over codestream size), > 1.
    pub(crate) ratio: f64,
    /// Error-resilience tools: SOP and EPH markers, and the RESTART, ERTERM and SEGMARK
    /// code-block modes (what a codestream meant for a noisy channel carries).
    pub(crate) resilient: bool,
}

/// Encodes `image` as a raw JPEG 2000 codestream (starts with SOC, `0xFF4F`): one tile,
/// one quality layer, 9/7 irreversible wavelet with the colour transform, rate-distortion
/// allocation to `options.ratio`.
pub(crate) fn encode_j2k(image: &RgbImage, options: J2kOptions) -> Result<Vec<u8>> {
    if !(options.ratio.is_finite() && options.ratio >= 1.0) {
        return Err(DataError::Config {
            what: "JPEG 2000 compression ratio",
            reason: format!("{} is not a finite number >= 1", options.ratio),
        });
    }
    let picture = OpjImage::from_rgb(image)?;
    let mut params = parameters(image, options);
    let mut sink = Sink::default();
    let mut messages = String::new();
    let result = run_encoder(&picture, &mut params, &mut sink, &mut messages);
    result.map_err(|stage| codec_error(&format!("{stage}: {}", messages.trim_end())))?;
    Ok(sink.data)
}

/// The error for a failed OpenJPEG call.
fn codec_error(reason: &str) -> DataError {
    DataError::Image {
        path: PathBuf::new(),
        reason: format!("OpenJPEG (JPEG 2000) encoder failed: {reason}"),
    }
}

/// The number of resolution levels: OpenJPEG's default of 6, fewer for small images (the
/// smallest resolution must keep at least one pixel).
fn resolutions(image: &RgbImage) -> i32 {
    let side = image.width().min(image.height()).max(1);
    let fit = (u32::BITS - side.leading_zeros()) as i32; // floor(log2(side)) + 1
    fit.clamp(1, 6)
}

/// OpenJPEG's encoder parameters for `options`.
fn parameters(image: &RgbImage, options: J2kOptions) -> opj::opj_cparameters_t {
    let mut params = std::mem::MaybeUninit::<opj::opj_cparameters_t>::uninit();
    // SAFETY: `opj_set_default_encoder_parameters` zeroes the whole struct and then sets
    // every default, so it is fully initialised afterwards (all its enums have a 0 value).
    let mut params = unsafe {
        opj::opj_set_default_encoder_parameters(params.as_mut_ptr());
        params.assume_init()
    };
    params.tcp_numlayers = 1;
    params.tcp_rates[0] = options.ratio as f32;
    params.cp_disto_alloc = 1;
    params.irreversible = 1;
    params.tcp_mct = 1;
    params.numresolution = resolutions(image);
    if options.resilient {
        params.csty |= 0x02 | 0x04; // SOP and EPH markers
        params.mode |= 0x04 | 0x10 | 0x20; // RESTART, ERTERM, SEGMARK
    }
    params
}

/// Runs the encoder into `sink`; the error names the call that failed.
fn run_encoder(
    picture: &OpjImage,
    params: &mut opj::opj_cparameters_t,
    sink: &mut Sink,
    messages: &mut String,
) -> std::result::Result<(), &'static str> {
    let codec = Codec::compressor().ok_or("opj_create_compress")?;
    let stream = OutStream::new(sink).ok_or("opj_stream_create")?;
    let messages = (messages as *mut String).cast::<c_void>();
    // SAFETY: the handles are live (owned by the guards above); `messages` outlives the
    // codec, and `collect_message` only appends to the `String` it points to.
    unsafe {
        opj::opj_set_error_handler(codec.0, Some(collect_message), messages);
        if opj::opj_setup_encoder(codec.0, params, picture.0) == 0 {
            return Err("opj_setup_encoder");
        }
        if opj::opj_start_compress(codec.0, picture.0, stream.0) == 0 {
            return Err("opj_start_compress");
        }
        if opj::opj_encode(codec.0, stream.0) == 0 {
            return Err("opj_encode");
        }
        if opj::opj_end_compress(codec.0, stream.0) == 0 {
            return Err("opj_end_compress");
        }
    }
    Ok(())
}

/// Appends one OpenJPEG error message to the `String` behind `data`.
unsafe extern "C" fn collect_message(message: *const c_char, data: *mut c_void) {
    if message.is_null() || data.is_null() {
        return;
    }
    // SAFETY: OpenJPEG passes a NUL-terminated message and the user data given to
    // `opj_set_error_handler`, which is a live `String` (see `run_encoder`).
    let (message, out) = unsafe { (CStr::from_ptr(message), &mut *data.cast::<String>()) };
    out.push_str(&message.to_string_lossy());
}

/// An owned `opj_image_t`.
struct OpjImage(*mut opj::opj_image_t);

impl OpjImage {
    /// A three-component, 8-bit, unsigned image holding `image`'s pixels.
    fn from_rgb(image: &RgbImage) -> Result<Self> {
        let (width, height) = image.dimensions();
        let component = opj::opj_image_cmptparm_t {
            dx: 1,
            dy: 1,
            w: width,
            h: height,
            x0: 0,
            y0: 0,
            prec: 8,
            bpp: 8,
            sgnd: 0,
        };
        let mut components = [component; 3];
        let colour = opj::COLOR_SPACE::OPJ_CLRSPC_SRGB;
        // SAFETY: `components` holds the 3 parameter sets the call reads.
        let raw = unsafe { opj::opj_image_create(3, components.as_mut_ptr(), colour) };
        if raw.is_null() {
            return Err(codec_error("opj_image_create returned NULL"));
        }
        let picture = Self(raw);
        picture.fill(image);
        Ok(picture)
    }

    /// Sets the reference grid and copies the samples into the component buffers.
    fn fill(&self, image: &RgbImage) {
        let (width, height) = image.dimensions();
        let len = width as usize * height as usize;
        // SAFETY: `opj_image_create` allocated `comps` (3 entries) and each component's
        // `data` with `w * h` samples, which nothing else references while we write.
        unsafe {
            let header = &mut *self.0;
            (header.x0, header.y0, header.x1, header.y1) = (0, 0, width, height);
            let comps = std::slice::from_raw_parts_mut(header.comps, 3);
            for (channel, comp) in comps.iter_mut().enumerate() {
                let data = std::slice::from_raw_parts_mut(comp.data, len);
                for (sample, pixel) in data.iter_mut().zip(image.pixels()) {
                    *sample = i32::from(pixel.0[channel]);
                }
            }
        }
    }
}

impl Drop for OpjImage {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `opj_image_create` and is freed once, here.
        unsafe { opj::opj_image_destroy(self.0) }
    }
}

/// An owned compressor handle.
struct Codec(*mut opj::opj_codec_t);

impl Codec {
    /// A raw-codestream (J2K) compressor, or `None` if OpenJPEG returns NULL.
    fn compressor() -> Option<Self> {
        // SAFETY: plain constructor call.
        let raw = unsafe { opj::opj_create_compress(opj::CODEC_FORMAT::OPJ_CODEC_J2K) };
        (!raw.is_null()).then_some(Self(raw))
    }
}

impl Drop for Codec {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `opj_create_compress` and is freed once, here.
        unsafe { opj::opj_destroy_codec(self.0) }
    }
}

/// The growing byte buffer an output stream writes to.
#[derive(Default)]
struct Sink {
    data: Vec<u8>,
    position: usize,
}

impl Sink {
    /// Writes `bytes` at the current position, growing the buffer as needed.
    fn write(&mut self, bytes: &[u8]) {
        let end = self.position + bytes.len();
        if self.data.len() < end {
            self.data.resize(end, 0);
        }
        self.data[self.position..end].copy_from_slice(bytes);
        self.position = end;
    }

    /// Moves to `position`, zero-filling any gap past the end.
    fn seek(&mut self, position: usize) {
        if self.data.len() < position {
            self.data.resize(position, 0);
        }
        self.position = position;
    }
}

/// An owned output stream writing to a [`Sink`] that outlives it.
struct OutStream(*mut opj::opj_stream_t);

impl OutStream {
    /// An output stream on `sink`, or `None` if OpenJPEG returns NULL.
    fn new(sink: &mut Sink) -> Option<Self> {
        let chunk = opj::OPJ_J2K_STREAM_CHUNK_SIZE as usize;
        // SAFETY: plain constructor call (0 = output stream).
        let raw = unsafe { opj::opj_stream_create(chunk, 0) };
        if raw.is_null() {
            return None;
        }
        let user = (sink as *mut Sink).cast::<c_void>();
        // SAFETY: `raw` is a live stream; `user` points to a `Sink` that the caller keeps
        // alive and untouched until the stream is dropped; no free function is given.
        unsafe {
            opj::opj_stream_set_write_function(raw, Some(sink_write));
            opj::opj_stream_set_skip_function(raw, Some(sink_skip));
            opj::opj_stream_set_seek_function(raw, Some(sink_seek));
            opj::opj_stream_set_user_data(raw, user, None);
        }
        Some(Self(raw))
    }
}

impl Drop for OutStream {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `opj_stream_create` and is freed once, here.
        unsafe { opj::opj_stream_destroy(self.0) }
    }
}

/// OpenJPEG's write callback: appends `count` bytes from `buffer` to the sink.
unsafe extern "C" fn sink_write(buffer: *mut c_void, count: usize, user: *mut c_void) -> usize {
    // SAFETY: `user` is the stream's `Sink` (see `OutStream::new`); OpenJPEG passes
    // `count` readable bytes at `buffer`.
    let (sink, bytes) = unsafe {
        let bytes = std::slice::from_raw_parts(buffer.cast::<u8>().cast_const(), count);
        (&mut *user.cast::<Sink>(), bytes)
    };
    sink.write(bytes);
    count
}

/// OpenJPEG's skip callback: moves forward (or back) by `count` bytes.
unsafe extern "C" fn sink_skip(count: i64, user: *mut c_void) -> i64 {
    // SAFETY: `user` is the stream's `Sink` (see `OutStream::new`).
    let sink = unsafe { &mut *user.cast::<Sink>() };
    match usize::try_from(sink.position as i64 + count) {
        Ok(target) => {
            sink.seek(target);
            count
        }
        Err(_) => -1,
    }
}

/// OpenJPEG's seek callback: moves to absolute offset `offset`.
unsafe extern "C" fn sink_seek(offset: i64, user: *mut c_void) -> i32 {
    // SAFETY: `user` is the stream's `Sink` (see `OutStream::new`).
    let sink = unsafe { &mut *user.cast::<Sink>() };
    match usize::try_from(offset) {
        Ok(target) => {
            sink.seek(target);
            1
        }
        Err(_) => 0,
    }
}
