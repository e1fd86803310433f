//! Reading `.npy` data from any byte source: a file, a pipe, a device or bytes in memory.
//!
//! The reader takes the file in order and stops at the first thing that is wrong: the
//! preamble (magic and version) first, then the header, whose length is bounded by
//! `MAX_HEADER_LEN`; then the shape is checked (at most `MAX_DIMS` dimensions, a byte count
//! that fits in memory) and handed to the caller, who may refuse it against its own limits
//! before a single data byte is read. Only then are the data read, at most the byte count the
//! header declares, into a buffer that grows as the bytes arrive: a header that promises more
//! than its source holds costs no more memory than what actually came. So `/dev/zero` fails
//! at its first six bytes, and a lying header on a short file allocates little.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use num_complex::{Complex32, Complex64};

use super::header::{Header, parse_header};
use super::{MAGIC, MAX_HEADER_LEN, NpyError, NpyErrorKind, io_error};
use crate::array::{Array, Data, MAX_DIMS};
use crate::dtype::DType;

/// The first step of a buffer that grows as bytes arrive; it doubles from there.
const FIRST_CHUNK: usize = 64 * 1024;

/// A `.npy` source whose header has been read and checked, and whose data are still unread.
///
/// ```no_run
/// # use arrjit_runtime::npy::NpyReader;
/// let reader = NpyReader::open("x.npy".as_ref())?;
/// if reader.shape().iter().product::<usize>() > 1_000_000 {
///     panic!("too large for us");
/// }
/// let array = reader.read()?;
/// # Ok::<(), arrjit_runtime::NpyError>(())
/// ```
pub struct NpyReader<R> {
    source: R,
    header: Header,
    /// The bytes that follow the header, where the source's length is known before reading
    /// them (bytes in memory, a regular file).
    data_len: Option<u64>,
    /// The file, to name in errors.
    path: Option<PathBuf>,
}

impl NpyReader<File> {
    /// Opens a `.npy` file and reads its header.
    ///
    /// Anything `open()` can read is accepted: a regular file, whose length says at once
    /// whether the data are all there; or a pipe or a character device (`/dev/stdin`, a
    /// process substitution), read as a stream up to its end. A FIFO is opened without
    /// waiting for a writer: one that no process is writing to reads as empty, an error,
    /// rather than blocking forever. A folder or a socket is refused.
    pub fn open(path: &Path) -> Result<NpyReader<File>, NpyError> {
        let io = |e: io::Error| NpyError::new(NpyErrorKind::Io(e)).at(path);
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
            .map_err(|e| {
                // `open()` of a socket fails with "No such device or address"; say what it is.
                let socket = std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket());
                if e.raw_os_error() == Some(libc::ENXIO) && socket {
                    io_error(io::ErrorKind::InvalidInput, "it is a socket, not a file").at(path)
                } else {
                    io(e)
                }
            })?;
        let meta = file.metadata().map_err(io)?;
        if meta.is_dir() {
            return Err(io_error(
                io::ErrorKind::IsADirectory,
                "it is a folder, not a .npy file",
            )
            .at(path));
        }
        let len = if meta.is_file() {
            Some(meta.len())
        } else {
            // From here on a pipe's reads wait for its writer's bytes.
            crate::files::set_blocking(&file).map_err(io)?;
            None
        };
        let fifo = meta.file_type().is_fifo();
        let mut reader = NpyReader::new(file, len).map_err(|e| match e.kind {
            NpyErrorKind::TruncatedHeader { have: 0, .. } if fifo => io_error(
                io::ErrorKind::UnexpectedEof,
                "nothing to read: no process is writing to this FIFO",
            ),
            _ => e,
        });
        if let Ok(r) = &mut reader {
            r.path = Some(path.to_path_buf());
        }
        reader.map_err(|e| e.at(path))
    }
}

impl<R: Read> NpyReader<R> {
    /// Reads the preamble and the header from `source`, whose length in bytes is `len` where
    /// it is known (`None` for a stream, which is then read to its end).
    pub fn new(mut source: R, len: Option<u64>) -> Result<NpyReader<R>, NpyError> {
        let io = |e: io::Error| NpyError::new(NpyErrorKind::Io(e));
        let truncated =
            |needed, have| NpyError::new(NpyErrorKind::TruncatedHeader { needed, have });
        let mut preamble = [0u8; 12];
        let n = read_full(&mut source, &mut preamble[..8]).map_err(io)?;
        // Check the magic on whatever prefix is there, so that a short non-npy file says
        // "bad magic" rather than "truncated".
        let m = n.min(MAGIC.len());
        if preamble[..m] != MAGIC[..m] {
            return Err(NpyError::new(NpyErrorKind::BadMagic));
        }
        if n < 8 {
            return Err(truncated(8, n));
        }
        let (major, minor) = (preamble[6], preamble[7]);
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
        let got = read_full(&mut source, &mut preamble[8..start]).map_err(io)?;
        if got < len_size {
            return Err(truncated(start, 8 + got));
        }
        let header_len = preamble[8..start]
            .iter()
            .rev()
            .fold(0usize, |acc, &b| (acc << 8) | b as usize);
        if header_len > MAX_HEADER_LEN {
            return Err(NpyError::malformed(format!(
                "header length {header_len} exceeds the limit of {MAX_HEADER_LEN} bytes"
            )));
        }
        let header_bytes = read_up_to(&mut source, header_len, false).map_err(io)?;
        if header_bytes.len() < header_len {
            return Err(truncated(start + header_len, start + header_bytes.len()));
        }
        let header = if utf8 {
            std::str::from_utf8(&header_bytes)
                .map_err(|_| NpyError::malformed("a version 3.0 header is not valid UTF-8"))?
                .to_string()
        } else {
            // Versions 1.0 and 2.0 are latin-1, where every byte is the code point of that
            // value.
            header_bytes.iter().map(|&b| b as char).collect()
        };
        let header = parse_header(&header)?;
        check_shape(&header)?;
        // A length that is too short to hold even the header is not a length (files in /proc
        // say 0): read such a source as a stream.
        let data_len = len.and_then(|l| l.checked_sub((start + header_len) as u64));
        Ok(NpyReader {
            source,
            header,
            data_len,
            path: None,
        })
    }

    /// The shape the header declares.
    pub fn shape(&self) -> &[usize] {
        &self.header.shape
    }

    /// The dtype the header declares.
    pub fn dtype(&self) -> DType {
        self.header.dtype
    }

    /// Reads the data: exactly the bytes the header declares, then the end of the source.
    pub fn read(mut self) -> Result<Array, NpyError> {
        let result = self.read_data();
        match &self.path {
            Some(path) => result.map_err(|e| e.at(path)),
            None => result,
        }
    }

    fn read_data(&mut self) -> Result<Array, NpyError> {
        let io = |e: io::Error| NpyError::new(NpyErrorKind::Io(e));
        let h = &self.header;
        // `check_shape` made sure that this product fits.
        let elements: usize = h.shape.iter().product();
        let needed = elements * h.dtype.itemsize();
        let truncated = |have| {
            NpyError::new(NpyErrorKind::TruncatedData {
                elements,
                needed,
                have,
            })
        };
        let trailing = |have| {
            NpyError::new(NpyErrorKind::TrailingData {
                elements,
                needed,
                have,
            })
        };
        if let Some(have) = self.data_len {
            let have_usize = usize::try_from(have).unwrap_or(usize::MAX);
            if have < needed as u64 {
                return Err(truncated(have_usize));
            }
            if have > needed as u64 {
                return Err(trailing(Some(have_usize)));
            }
        }
        let exact = self.data_len == Some(needed as u64);
        let data = read_up_to(&mut self.source, needed, exact).map_err(io)?;
        if data.len() < needed {
            return Err(truncated(data.len()));
        }
        // One byte more tells whether the source ends here (a regular file may also have
        // grown since its length was read).
        if read_full(&mut self.source, &mut [0u8; 1]).map_err(io)? > 0 {
            return Err(trailing(None));
        }
        let values = decode_elements(h.dtype, h.big_endian, &data);
        drop(data);
        let values = if h.fortran_order && h.shape.len() > 1 {
            values.gather(&fortran_to_c_order(&h.shape))
        } else {
            values
        };
        Ok(Array::new(h.shape.clone(), values))
    }
}

/// Reads a `.npy` file.
pub fn read_npy(path: &Path) -> Result<Array, NpyError> {
    NpyReader::open(path)?.read()
}

/// Parses the bytes of a `.npy` file.
pub fn read_npy_bytes(bytes: &[u8]) -> Result<Array, NpyError> {
    NpyReader::new(bytes, Some(bytes.len() as u64))?.read()
}

/// Refuses a shape that no array may have: more dimensions than NumPy allows, or a byte count
/// past `isize::MAX`.
fn check_shape(h: &Header) -> Result<(), NpyError> {
    if h.shape.len() > MAX_DIMS {
        return Err(NpyError::new(NpyErrorKind::TooManyDims {
            dims: h.shape.len(),
        }));
    }
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
        return Err(NpyError::new(NpyErrorKind::TooLarge {
            shape: h.shape.clone(),
        }));
    }
    Ok(())
}

/// Fills `buf` from `source` as far as it goes; returns how many bytes came (fewer than
/// `buf.len()` only where the source ended).
fn read_full(source: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match source.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Reads up to `limit` bytes, fewer where the source ends first. Unless the source is known
/// to hold them (`exact`), the buffer grows as bytes arrive, doubling from `FIRST_CHUNK`, and
/// never holds room for more than `limit`.
fn read_up_to(source: &mut impl Read, limit: usize, exact: bool) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    if exact {
        buf.reserve_exact(limit);
    }
    while buf.len() < limit {
        if buf.len() == buf.capacity() {
            let step = buf.len().max(FIRST_CHUNK).min(limit - buf.len());
            buf.reserve_exact(step);
        }
        let room = buf.capacity().min(limit) - buf.len();
        // `take` keeps `read_to_end` inside the room reserved: it never grows the buffer.
        let got = (&mut *source).take(room as u64).read_to_end(&mut buf)?;
        if got < room {
            break;
        }
    }
    Ok(buf)
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
