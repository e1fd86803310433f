//! NumPy's `.npy` format: reading versions 1.0, 2.0 and 3.0, and writing exactly what
//! `np.save` writes.
//!
//! Layout of a file: the magic `\x93NUMPY`, a major and a minor version byte, the header length
//! (little-endian u16 for 1.0, u32 for 2.0 and 3.0), then the header — a Python dict literal such
//! as `{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }` padded with spaces and a final
//! `\n` so that the data starts on a 64-byte boundary — then the raw elements.
//!
//! The reader never panics on any input, and reads as a stream: the magic and version first, then
//! a bounded header, whose shape its caller may refuse before any data are read; then at most the
//! bytes the header declares, into a buffer that grows as they arrive. Shape arithmetic is
//! overflow-checked, so a lying header yields an `NpyError` instead of a crash or a huge
//! allocation, and an endless source (`/dev/zero`) an error at its first bytes.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::array::{Array, Data, MAX_DIMS, shape_repr};
use crate::dtype::DType;

mod header;
mod read;
pub use read::{NpyReader, read_npy, read_npy_bytes};

const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// NumPy aligns the start of the data to this many bytes.
const ARRAY_ALIGN: usize = 64;
/// NumPy leaves room after the dict so that the first axis can grow in place: it pads with
/// `21 - len(repr(shape[0]))` spaces. We copy that to be byte-identical with `np.save`.
const GROWTH_AXIS_MAX_DIGITS: usize = 21;
/// Far more than any real header needs; it keeps a corrupt length field from making us scan
/// megabytes of data as if it were a dict.
const MAX_HEADER_LEN: usize = 1 << 20;

/// Why a `.npy` file could not be read or written.
#[derive(Debug)]
pub struct NpyError {
    /// The file involved, when there is one (byte-level functions leave it `None`).
    pub path: Option<PathBuf>,
    /// What went wrong.
    pub kind: NpyErrorKind,
}

/// The problem itself, without the file name.
#[derive(Debug)]
pub enum NpyErrorKind {
    /// Reading or writing the file failed.
    Io(std::io::Error),
    /// The file does not start with `\x93NUMPY`.
    BadMagic,
    /// A format version other than 1.0, 2.0 and 3.0.
    UnsupportedVersion { major: u8, minor: u8 },
    /// The file ends inside the preamble or the header.
    TruncatedHeader { needed: usize, have: usize },
    /// The header is not the dict NumPy writes (message says what is wrong).
    MalformedHeader(String),
    /// The `descr` names a dtype we do not have (or a structured dtype).
    UnsupportedDtype(String),
    /// The `descr` says `|` (byte order does not apply) for a type wider than one byte, so
    /// the order of its bytes is unknown.
    NoByteOrder(String),
    /// The shape has more dimensions than an array may have (`MAX_DIMS`, as in NumPy).
    TooManyDims { dims: usize },
    /// The shape's byte count does not fit in memory addresses.
    TooLarge { shape: Vec<usize> },
    /// Fewer data bytes than the header's shape and dtype need.
    TruncatedData {
        elements: usize,
        needed: usize,
        have: usize,
    },
    /// More bytes follow the data than the header describes: the header is probably wrong.
    /// `have` is the number of data bytes where the source's length is known (`None` for a
    /// stream, which is read only one byte past the data).
    TrailingData {
        elements: usize,
        needed: usize,
        have: Option<usize>,
    },
}

impl NpyError {
    fn new(kind: NpyErrorKind) -> NpyError {
        NpyError { path: None, kind }
    }

    fn malformed(msg: impl Into<String>) -> NpyError {
        NpyError::new(NpyErrorKind::MalformedHeader(msg.into()))
    }

    fn at(mut self, path: &Path) -> NpyError {
        self.path = Some(path.to_path_buf());
        self
    }
}

impl fmt::Display for NpyErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NpyErrorKind::Io(e) => write!(f, "{e}"),
            NpyErrorKind::BadMagic => f.write_str("not a .npy file (bad magic bytes)"),
            NpyErrorKind::UnsupportedVersion { major, minor } => write!(
                f,
                "unsupported .npy format version {major}.{minor} (known: 1.0, 2.0, 3.0)"
            ),
            NpyErrorKind::TruncatedHeader { have: 0, .. } => {
                f.write_str("truncated .npy: the file is empty (0 bytes)")
            }
            NpyErrorKind::TruncatedHeader { needed, have } => write!(
                f,
                "truncated .npy: the header needs {needed} bytes but the file holds {have} bytes"
            ),
            NpyErrorKind::MalformedHeader(msg) => write!(f, "malformed header: {msg}"),
            NpyErrorKind::UnsupportedDtype(d) => write!(
                f,
                "unsupported dtype '{d}' (supported: bool, int32, int64, float32, float64, \
                 complex64, complex128)"
            ),
            NpyErrorKind::NoByteOrder(d) => write!(
                f,
                "unsupported dtype '{d}': '|' says byte order does not apply, which is true \
                 only of one-byte types (NumPy writes '<' or '>' for wider ones)"
            ),
            NpyErrorKind::TooManyDims { dims } => write!(
                f,
                "the shape has {dims} dimensions, more than the {MAX_DIMS} an array may have \
                 (as in NumPy)"
            ),
            NpyErrorKind::TooLarge { shape } => {
                write!(f, "array too large: shape {} overflows", shape_repr(shape))
            }
            NpyErrorKind::TruncatedData {
                elements,
                needed,
                have,
            } => write!(
                f,
                "truncated .npy: header says {elements} elements ({needed} bytes) but the file \
                 holds {have} bytes"
            ),
            NpyErrorKind::TrailingData {
                elements,
                needed,
                have: Some(have),
            } => write!(
                f,
                "corrupt .npy: header says {elements} elements ({needed} bytes) but the file \
                 holds {have} bytes of data"
            ),
            NpyErrorKind::TrailingData {
                elements,
                needed,
                have: None,
            } => write!(
                f,
                "corrupt .npy: header says {elements} elements ({needed} bytes) but more bytes \
                 follow them"
            ),
        }
    }
}

impl fmt::Display for NpyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}: {}", p.display(), self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for NpyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            NpyErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// An I/O error that says `what` instead of the system's words.
fn io_error(kind: std::io::ErrorKind, what: &str) -> NpyError {
    NpyError::new(NpyErrorKind::Io(std::io::Error::new(kind, what)))
}

// ---------------------------------------------------------------------------------------------
// Writing.

/// The dtype string `np.save` writes for a dtype.
fn descr_of(dtype: DType) -> &'static str {
    match dtype {
        DType::Bool => "|b1",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
        DType::C64 => "<c8",
        DType::C128 => "<c16",
    }
}

/// Serialises an array as `np.save` would: version 1.0 (2.0 if the header exceeds 65535
/// bytes), little-endian, C order.
pub fn write_npy_bytes(a: &Array) -> Vec<u8> {
    let mut dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
        descr_of(a.dtype()),
        shape_repr(a.shape())
    );
    if let Some(first) = a.shape().first() {
        let digits = first.to_string().len();
        dict.push_str(&" ".repeat(GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits)));
    }
    // `+ 1` for the final newline. NumPy always pads by 1..=64 bytes, never 0.
    let hlen = dict.len() + 1;
    let pad = |prefix: usize| ARRAY_ALIGN - (prefix + hlen) % ARRAY_ALIGN;
    let mut out = Vec::with_capacity(128 + a.len() * a.dtype().itemsize());
    out.extend_from_slice(MAGIC);
    let padlen = if hlen + pad(10) <= u16::MAX as usize {
        let padlen = pad(10);
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&((hlen + padlen) as u16).to_le_bytes());
        padlen
    } else {
        let padlen = pad(12);
        out.extend_from_slice(&[2, 0]);
        let total = u32::try_from(hlen + padlen).expect("a shape repr longer than 4 GiB");
        out.extend_from_slice(&total.to_le_bytes());
        padlen
    };
    out.extend_from_slice(dict.as_bytes());
    out.resize(out.len() + padlen, b' ');
    out.push(b'\n');
    encode_elements(a.data(), &mut out);
    out
}

fn encode_elements(data: &Data, out: &mut Vec<u8>) {
    match data {
        Data::Bool(v) => out.extend(v.iter().map(|&b| b as u8)),
        Data::I32(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::I64(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::F32(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::F64(v) => v
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::C64(v) => v.iter().for_each(|z| {
            out.extend_from_slice(&z.re.to_le_bytes());
            out.extend_from_slice(&z.im.to_le_bytes());
        }),
        Data::C128(v) => v.iter().for_each(|z| {
            out.extend_from_slice(&z.re.to_le_bytes());
            out.extend_from_slice(&z.im.to_le_bytes());
        }),
    }
}

/// Writes an array to a `.npy` file as [`crate::files::write_file`] writes any file: through
/// symbolic links, atomically over a regular file, straight into a character device or a FIFO
/// with a reader, and never onto a block device or a socket.
pub fn write_npy(path: &Path, a: &Array) -> Result<(), NpyError> {
    crate::files::write_file(path, &write_npy_bytes(a))
        .map_err(|e| NpyError::new(NpyErrorKind::Io(e)).at(path))
}
