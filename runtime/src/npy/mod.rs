//! NumPy's `.npy` format: reading versions 1.0, 2.0 and 3.0, and writing exactly what
//! `np.save` writes.
//!
//! Layout of a file: the magic `\x93NUMPY`, a major and a minor version byte, the header length
//! (little-endian u16 for 1.0, u32 for 2.0 and 3.0), then the header — a Python dict literal such
//! as `{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }` padded with spaces and a final
//! `\n` so that the data starts on a 64-byte boundary — then the raw elements.
//!
//! The reader never panics on any input: every length is checked against the bytes that are
//! there before anything is allocated, and shape arithmetic is overflow-checked, so a lying
//! header yields an `NpyError` instead of a crash or a huge allocation.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use num_complex::{Complex32, Complex64};

use crate::array::{Array, Data, shape_repr};
use crate::dtype::DType;

mod header;
use header::{Header, parse_header};

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
    /// The shape's byte count does not fit in memory addresses.
    TooLarge { shape: Vec<usize> },
    /// Fewer data bytes than the header's shape and dtype need.
    TruncatedData {
        elements: usize,
        needed: usize,
        have: usize,
    },
    /// More bytes follow the data than the header describes: the header is probably wrong.
    TrailingData {
        elements: usize,
        needed: usize,
        have: usize,
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
                have,
            } => write!(
                f,
                "corrupt .npy: header says {elements} elements ({needed} bytes) but the file \
                 holds {have} bytes of data"
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

/// Reads a `.npy` file.
pub fn read_npy(path: &Path) -> Result<Array, NpyError> {
    if path.is_dir() {
        return Err(io_error(
            std::io::ErrorKind::IsADirectory,
            "it is a folder, not a .npy file",
        )
        .at(path));
    }
    let bytes = fs::read(path).map_err(|e| NpyError::new(NpyErrorKind::Io(e)).at(path))?;
    read_npy_bytes(&bytes).map_err(|e| e.at(path))
}

/// Parses the bytes of a `.npy` file.
pub fn read_npy_bytes(bytes: &[u8]) -> Result<Array, NpyError> {
    let truncated = |needed| {
        NpyError::new(NpyErrorKind::TruncatedHeader {
            needed,
            have: bytes.len(),
        })
    };
    // Check the magic on whatever prefix is there, so that a short non-npy file says
    // "bad magic" rather than "truncated".
    let n = bytes.len().min(MAGIC.len());
    if bytes[..n] != MAGIC[..n] {
        return Err(NpyError::new(NpyErrorKind::BadMagic));
    }
    if bytes.len() < 8 {
        return Err(truncated(8));
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (len_size, utf8) = match (major, minor) {
        (1, 0) => (2, false),
        (2, 0) => (4, false),
        (3, 0) => (4, true),
        _ => {
            return Err(NpyError::new(NpyErrorKind::UnsupportedVersion {
                major,
                minor,
            }));
        }
    };
    let start = 8 + len_size;
    let len_bytes = bytes.get(8..start).ok_or_else(|| truncated(start))?;
    let header_len = len_bytes
        .iter()
        .rev()
        .fold(0usize, |acc, &b| (acc << 8) | b as usize);
    if header_len > MAX_HEADER_LEN {
        return Err(NpyError::malformed(format!(
            "header length {header_len} exceeds the limit of {MAX_HEADER_LEN} bytes"
        )));
    }
    let data_start = start + header_len;
    let header_bytes = bytes
        .get(start..data_start)
        .ok_or_else(|| truncated(data_start))?;
    let header = if utf8 {
        std::str::from_utf8(header_bytes)
            .map_err(|_| NpyError::malformed("a version 3.0 header is not valid UTF-8"))?
            .to_string()
    } else {
        // Versions 1.0 and 2.0 are latin-1, where every byte is the code point of that value.
        header_bytes.iter().map(|&b| b as char).collect()
    };
    let header = parse_header(&header)?;
    decode_data(&header, &bytes[data_start..])
}

fn decode_data(h: &Header, data: &[u8]) -> Result<Array, NpyError> {
    let too_large = || {
        NpyError::new(NpyErrorKind::TooLarge {
            shape: h.shape.clone(),
        })
    };
    // Reject shapes whose non-zero dimensions multiply past isize::MAX bytes even when a zero
    // dimension makes the array empty (NumPy does too): stride arithmetic on such a shape
    // would overflow later, far from this check.
    let nonzero_bytes = h
        .shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(h.dtype.itemsize(), |acc, &d| acc.checked_mul(d))
        .filter(|&b| b <= isize::MAX as usize);
    if nonzero_bytes.is_none() {
        return Err(too_large());
    }
    let elements: usize = h.shape.iter().product();
    let needed = elements * h.dtype.itemsize();
    let have = data.len();
    if have < needed {
        return Err(NpyError::new(NpyErrorKind::TruncatedData {
            elements,
            needed,
            have,
        }));
    }
    if have > needed {
        return Err(NpyError::new(NpyErrorKind::TrailingData {
            elements,
            needed,
            have,
        }));
    }
    let values = decode_elements(h.dtype, h.big_endian, data);
    let values = if h.fortran_order && h.shape.len() > 1 {
        values.gather(&fortran_to_c_order(&h.shape))
    } else {
        values
    };
    Ok(Array::new(h.shape.clone(), values))
}

/// Decodes `N`-byte words with the file's byte order.
fn words<const N: usize>(bytes: &[u8], big_endian: bool) -> impl Iterator<Item = [u8; N]> + '_ {
    bytes.chunks_exact(N).map(move |c| {
        let mut w = [0u8; N];
        w.copy_from_slice(c);
        if big_endian {
            w.reverse();
        }
        w
    })
}

fn decode_elements(dtype: DType, big_endian: bool, b: &[u8]) -> Data {
    match dtype {
        // NumPy treats any non-zero byte as True.
        DType::Bool => Data::Bool(b.iter().map(|&x| x != 0).collect()),
        DType::I32 => Data::I32(words(b, big_endian).map(i32::from_le_bytes).collect()),
        DType::I64 => Data::I64(words(b, big_endian).map(i64::from_le_bytes).collect()),
        DType::F32 => Data::F32(words(b, big_endian).map(f32::from_le_bytes).collect()),
        DType::F64 => Data::F64(words(b, big_endian).map(f64::from_le_bytes).collect()),
        // A complex number is two floats, each in the file's byte order, real part first.
        DType::C64 => {
            let parts: Vec<f32> = words(b, big_endian).map(f32::from_le_bytes).collect();
            Data::C64(
                parts
                    .chunks_exact(2)
                    .map(|p| Complex32::new(p[0], p[1]))
                    .collect(),
            )
        }
        DType::C128 => {
            let parts: Vec<f64> = words(b, big_endian).map(f64::from_le_bytes).collect();
            Data::C128(
                parts
                    .chunks_exact(2)
                    .map(|p| Complex64::new(p[0], p[1]))
                    .collect(),
            )
        }
    }
}

/// For each C-order position, the position of the same element in Fortran order.
fn fortran_to_c_order(shape: &[usize]) -> Vec<usize> {
    let n: usize = shape.iter().product();
    // Fortran strides: the first axis varies fastest.
    let mut f_strides = vec![1usize; shape.len()];
    for k in 1..shape.len() {
        f_strides[k] = f_strides[k - 1] * shape[k - 1];
    }
    let mut index = vec![0usize; shape.len()];
    let mut offset = 0usize;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(offset);
        // Odometer step in C order: the last axis varies fastest.
        for k in (0..shape.len()).rev() {
            index[k] += 1;
            offset += f_strides[k];
            if index[k] < shape[k] {
                break;
            }
            offset -= f_strides[k] * shape[k];
            index[k] = 0;
        }
    }
    out
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

/// Writes an array to a `.npy` file, by the rules of [`crate::files::write_file`]: through
/// symbolic links to the file they point to; atomically for a regular file (a temporary file
/// in the target's folder, flushed to disk and renamed over it, so that a crash or a full disk
/// mid-write leaves the old file or none, never a truncated one), keeping its permission bits;
/// straight into a character device or a FIFO (`/dev/null`, `/dev/stdout`, a named pipe with
/// a reader), never replacing the node; and never onto a block device or a socket.
pub fn write_npy(path: &Path, a: &Array) -> Result<(), NpyError> {
    crate::files::write_file(path, &write_npy_bytes(a))
        .map_err(|e| NpyError::new(NpyErrorKind::Io(e)).at(path))
}
