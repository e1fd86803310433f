//! `.npy` reading and writing against files written by NumPy (tests/data/npy, made by
//! `make_fixtures.py`). Expected values are written here by hand, not derived from the reader.

use std::path::{Path, PathBuf};

use arrjit_runtime::npy::NpyReader;
use arrjit_runtime::{
    Array, Complex32, Complex64, DType, NpyErrorKind, read_npy, read_npy_bytes, write_npy,
    write_npy_bytes,
};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/npy")
}

fn fixture(name: &str) -> PathBuf {
    fixture_dir().join(format!("{name}.npy"))
}

fn read(name: &str) -> Array {
    read_npy(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn all_fixtures() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .expect("fixture directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "npy"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 20, "fixtures missing: {paths:?}");
    paths
}

/// Bit-for-bit equality, except that any NaN equals any NaN.
fn same64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}
fn same32(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn assert_f64s(got: &Array, shape: &[usize], want: &[f64]) {
    assert_eq!(got.shape(), shape);
    let v = got.as_slice::<f64>().expect("f64 data");
    assert_eq!(v.len(), want.len());
    for (i, (&g, &w)) in v.iter().zip(want).enumerate() {
        assert!(same64(g, w), "element {i}: got {g:e}, want {w:e}");
    }
}

fn assert_f32s(got: &Array, shape: &[usize], want: &[f32]) {
    assert_eq!(got.shape(), shape);
    let v = got.as_slice::<f32>().expect("f32 data");
    assert_eq!(v.len(), want.len());
    for (i, (&g, &w)) in v.iter().zip(want).enumerate() {
        assert!(same32(g, w), "element {i}: got {g:e}, want {w:e}");
    }
}

fn c64(re: f32, im: f32) -> Complex32 {
    Complex32::new(re, im)
}
fn c128(re: f64, im: f64) -> Complex64 {
    Complex64::new(re, im)
}

/// The arrays that NumPy wrote in little-endian C order with a version 1.0 header, built by
/// hand. Our writer must produce the very same bytes.
fn hand_built() -> Vec<(&'static str, Array)> {
    let (nan, inf) = (f64::NAN, f64::INFINITY);
    let (nan32, inf32) = (f32::NAN, f32::INFINITY);
    vec![
        (
            "bool_1d",
            Array::from_vec(vec![4], vec![true, false, true, true]),
        ),
        (
            "i4_1d",
            Array::from_vec(vec![5], vec![0i32, -1, 7, i32::MAX, i32::MIN]),
        ),
        (
            "i8_1d",
            Array::from_vec(vec![5], vec![0i64, -1, 1 << 40, i64::MAX, i64::MIN]),
        ),
        (
            "f4_1d",
            Array::from_vec(
                vec![8],
                vec![
                    0.5f32,
                    -0.0,
                    nan32,
                    inf32,
                    -inf32,
                    f32::from_bits(1),
                    f32::MAX,
                    0.1,
                ],
            ),
        ),
        (
            "f8_1d",
            Array::from_vec(
                vec![8],
                vec![
                    0.1f64,
                    -0.0,
                    nan,
                    inf,
                    -inf,
                    f64::from_bits(1),
                    f64::MAX,
                    -2.5,
                ],
            ),
        ),
        (
            "c8_1d",
            Array::from_vec(
                vec![4],
                vec![
                    c64(1.0, 2.0),
                    c64(-0.5, 0.0),
                    c64(nan32, inf32),
                    c64(0.0, 0.25),
                ],
            ),
        ),
        (
            "c16_1d",
            Array::from_vec(
                vec![4],
                vec![
                    c128(1.0, 2.0),
                    c128(0.1, -0.2),
                    c128(inf, -inf),
                    c128(-0.0, nan),
                ],
            ),
        ),
        (
            "f8_2d",
            Array::from_vec(vec![2, 3], vec![0.0f64, 1.5, 3.0, 4.5, 6.0, 7.5]),
        ),
        (
            "i4_3d",
            Array::from_vec(vec![2, 3, 4], (0..24).collect::<Vec<i32>>()),
        ),
        ("f8_0d", Array::from_vec(vec![], vec![3.25f64])),
        ("i8_0d", Array::from_vec(vec![], vec![-42i64])),
        ("bool_0d", Array::from_vec(vec![], vec![true])),
        ("f4_empty", Array::from_vec(vec![0], Vec::<f32>::new())),
        (
            "f8_empty_2d",
            Array::from_vec(vec![2, 0], Vec::<f64>::new()),
        ),
        (
            "c16_empty_3d",
            Array::from_vec(vec![3, 0, 2], Vec::<Complex64>::new()),
        ),
    ]
}

/// Compares two arrays element by element, treating NaNs as equal and -0.0 as distinct from 0.0.
fn assert_same(got: &Array, want: &Array, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    assert_eq!(got.dtype(), want.dtype(), "{what}: dtype");
    for i in 0..want.len() {
        let (g, w) = (got.get(i).to_c128(), want.get(i).to_c128());
        assert!(
            same64(g.re, w.re) && same64(g.im, w.im),
            "{what}: element {i}: got {g}, want {w}"
        );
    }
}

#[test]
fn every_c_order_fixture_reads_to_the_hand_written_values() {
    for (name, want) in hand_built() {
        assert_same(&read(name), &want, name);
    }
    // Spot checks that do not go through `assert_same`, to pin the typed accessors too.
    assert_f32s(
        &read("f4_1d"),
        &[8],
        &[
            0.5,
            -0.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1.0e-45,
            3.402_823_5e38,
            0.1,
        ],
    );
    assert_eq!(
        read("c8_1d").as_slice::<Complex32>().unwrap()[1]
            .re
            .to_bits(),
        (-0.5f32).to_bits()
    );
    assert!(
        read("c16_1d").as_slice::<Complex64>().unwrap()[3]
            .re
            .is_sign_negative()
    );
}

#[test]
fn fortran_order_is_transposed_into_c_order() {
    // np.asfortranarray(np.arange(6.).reshape(2, 3)) is still [[0, 1, 2], [3, 4, 5]].
    assert_f64s(
        &read("f8_fortran"),
        &[2, 3],
        &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
    );
    let a = read("i4_fortran_3d");
    assert_eq!(a.shape(), &[2, 3, 4]);
    assert_eq!(
        a.as_slice::<i32>().unwrap(),
        (0..24).collect::<Vec<i32>>().as_slice()
    );
}

#[test]
fn big_endian_files_are_byte_swapped() {
    assert_f64s(&read("f8_big_endian"), &[4], &[1.0, -2.5, 1e300, f64::NAN]);
    assert_eq!(
        read("i4_big_endian").as_slice::<i32>().unwrap(),
        &[1, -2, i32::MAX]
    );
    assert_eq!(
        read("c16_big_endian").as_slice::<Complex64>().unwrap(),
        &[c128(1.0, 2.0), c128(-3.5, -0.25)]
    );
    let a = read("i8_big_endian_fortran");
    assert_eq!(a.shape(), &[3, 2]);
    assert_eq!(a.as_slice::<i64>().unwrap(), &[0, 1, 2, 3, 4, 5]);
}

#[test]
fn version_2_and_3_headers_are_read() {
    assert_f64s(&read("f8_v2"), &[3], &[1.0, 2.0, 3.0]);
    let a = read("i4_v3");
    assert_eq!(a.shape(), &[3, 2]);
    assert_eq!(a.as_slice::<i32>().unwrap(), &[0, 1, 2, 3, 4, 5]);
}

#[test]
fn writer_output_is_byte_identical_to_numpy() {
    for (name, a) in hand_built() {
        let numpy = std::fs::read(fixture(name)).unwrap();
        let ours = write_npy_bytes(&a);
        assert!(
            ours == numpy,
            "{name}: our bytes differ from NumPy's\n ours: {:?}\nnumpy: {:?}",
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&numpy)
        );
    }
}

fn every_dtype_arrays() -> Vec<Array> {
    let mut out = Vec::new();
    for shape in [
        vec![],
        vec![0],
        vec![5],
        vec![2, 3],
        vec![2, 0, 3],
        vec![2, 3, 4],
    ] {
        let n: usize = shape.iter().product();
        let f = |i: usize| (i as f64 - 3.0) * 0.37;
        out.push(Array::from_vec(
            shape.clone(),
            (0..n).map(|i| i % 3 == 0).collect(),
        ));
        out.push(Array::from_vec(
            shape.clone(),
            (0..n).map(|i| i as i32 * -7).collect(),
        ));
        out.push(Array::from_vec(
            shape.clone(),
            (0..n).map(|i| (i as i64) << 35).collect(),
        ));
        out.push(Array::from_vec(
            shape.clone(),
            (0..n).map(|i| f(i) as f32).collect(),
        ));
        out.push(Array::from_vec(shape.clone(), (0..n).map(f).collect()));
        out.push(Array::from_vec(
            shape.clone(),
            (0..n).map(|i| c64(f(i) as f32, -f(i + 1) as f32)).collect(),
        ));
        out.push(Array::from_vec(
            shape.clone(),
            (0..n).map(|i| c128(f(i), f(i * 2))).collect(),
        ));
    }
    out
}

#[test]
fn write_read_round_trips_every_dtype_and_rank() {
    let arrays = every_dtype_arrays();
    assert_eq!(
        arrays
            .iter()
            .map(|a| a.dtype())
            .collect::<std::collections::BTreeSet<_>>(),
        DType::ALL.into_iter().collect()
    );
    for a in &arrays {
        let back = read_npy_bytes(&write_npy_bytes(a)).unwrap();
        assert_same(&back, a, &format!("{} {:?}", a.dtype(), a.shape()));
    }
}

#[test]
fn write_npy_writes_a_file_and_leaves_no_temporaries() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("npy_write_test");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out.npy");
    for a in every_dtype_arrays() {
        write_npy(&path, &a).unwrap();
        assert_same(&read_npy(&path).unwrap(), &a, "file round trip");
    }
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("out.npy")]);

    let missing_dir = dir.join("no/such/dir/x.npy");
    let err = write_npy(&missing_dir, &every_dtype_arrays()[0]).unwrap_err();
    assert!(err.to_string().contains("no/such/dir"), "{err}");
}

#[test]
fn io_errors_name_the_path() {
    let err = read_npy(Path::new("/definitely/not/here.npy")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("/definitely/not/here.npy: "), "{msg}");
    assert!(matches!(err.kind, NpyErrorKind::Io(_)));
}

/// A version 1.0 file with `dict` as its header (padded as NumPy pads) and `data` after it.
fn npy_with_header(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut header = dict.as_bytes().to_vec();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(b' ');
    }
    header.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(data);
    out
}

fn error_of(bytes: &[u8]) -> String {
    match read_npy_bytes(bytes) {
        Ok(a) => panic!("expected an error, got {a:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn errors_say_what_is_wrong() {
    let dict = |descr: &str, shape: &str| {
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}")
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"PK\x03\x04 a zip file".to_vec(),
            "not a .npy file (bad magic bytes)",
        ),
        (b"".to_vec(), "truncated .npy"),
        (
            b"\x93NUMPY\x04\x00\x10\x00".to_vec(),
            "unsupported .npy format version 4.0",
        ),
        (
            npy_with_header(&dict("<f8", "(24,)"), &[0; 100]),
            "truncated .npy: header says 24 elements (192 bytes) but the file holds 100 bytes",
        ),
        (
            npy_with_header(&dict("<f8", "(2,)"), &[0; 24]),
            "header says 2 elements (16 bytes) but the file holds 24 bytes",
        ),
        (
            npy_with_header(&dict("<U5", "(1,)"), &[0; 20]),
            "unsupported dtype '<U5'",
        ),
        (
            npy_with_header(&dict("|i4", "(1,)"), &[0; 4]),
            "unsupported dtype '|i4'",
        ),
        (
            npy_with_header(&dict("<f8", "(4294967296, 4294967296, 4294967296)"), &[]),
            "array too large: shape (4294967296, 4294967296, 4294967296) overflows",
        ),
        (
            // Empty, yet its other axes would overflow any stride computed from them.
            npy_with_header(&dict("<i4", "(0, 4294967296, 4294967296)"), &[]),
            "array too large: shape (0, 4294967296, 4294967296) overflows",
        ),
        (
            npy_with_header(&dict("<f8", "(3)"), &[0; 24]),
            "malformed header: shape must be a tuple",
        ),
        (
            npy_with_header(&dict("<f8", "(-3,)"), &[0; 24]),
            "malformed header: shape must be a tuple of non-negative integers",
        ),
        (
            npy_with_header(&dict("<f8", "(99999999999999999999999,)"), &[]),
            "malformed header: shape dimension 99999999999999999999999 is too large",
        ),
        (
            npy_with_header("{'descr': '<f8', 'shape': (1,), }", &[0; 8]),
            "malformed header: missing key 'fortran_order'",
        ),
        (
            npy_with_header(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}",
                &[0; 8],
            ),
            "malformed header: unexpected key 'x'",
        ),
        (
            npy_with_header(
                "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }",
                &[0; 8],
            ),
            "unsupported dtype '[('a', '<f8')]'",
        ),
        (
            npy_with_header(
                "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,), }",
                &[],
            ),
            "malformed header: 'fortran_order' is",
        ),
        (
            npy_with_header("[1, 2]", &[]),
            "malformed header: expected '{'",
        ),
        (
            b"\x93NUMPY\x01\x00\xff\xff{'descr'".to_vec(),
            "truncated .npy: the header needs 65545 bytes but the file holds 18 bytes",
        ),
        (
            b"\x93NUMPY\x02\x00\xff\xff\xff\xff".to_vec(),
            "malformed header: header length 4294967295 exceeds the limit",
        ),
    ];
    for (bytes, want) in cases {
        let msg = error_of(&bytes);
        assert!(
            msg.contains(want),
            "message {msg:?} does not contain {want:?}"
        );
    }
    let u1 = read_npy(&fixture("unsupported_u1"))
        .unwrap_err()
        .to_string();
    let want = "unsupported_u1.npy: unsupported dtype '|u1' \
                (supported: bool, int32, int64, float32, float64, complex64, complex128)";
    assert!(u1.ends_with(want), "{u1}");
    let s = read_npy(&fixture("unsupported_str"))
        .unwrap_err()
        .to_string();
    assert!(s.contains("unsupported dtype '<U5'"), "{s}");
}

#[test]
fn every_truncation_of_every_fixture_is_an_error() {
    for path in all_fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        for cut in 0..bytes.len() {
            let prefix = &bytes[..cut];
            // Empty arrays are complete once the header is; nothing else may read as valid.
            if let Ok(a) = read_npy_bytes(prefix) {
                panic!("{}: prefix of {cut} bytes read as {a:?}", path.display());
            }
        }
    }
}

/// A small deterministic generator for the fuzz loop (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn random_byte_flips_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut err) = (0, 0);
    for path in all_fixtures() {
        let original = std::fs::read(&path).unwrap();
        for _ in 0..300 {
            let mut bytes = original.clone();
            let flips = 1 + rng.next() % 4;
            for _ in 0..flips {
                // Bias towards the header, where the parser lives.
                let limit = if rng.next().is_multiple_of(4) {
                    bytes.len()
                } else {
                    128.min(bytes.len())
                };
                let at = (rng.next() % limit as u64) as usize;
                bytes[at] ^= 1 << (rng.next() % 8);
            }
            match read_npy_bytes(&bytes) {
                Ok(a) => {
                    assert_eq!(a.len(), a.shape().iter().product::<usize>());
                    ok += 1;
                }
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    err += 1;
                }
            }
        }
    }
    // Flips in the data give valid arrays; flips in the magic or the dict give errors.
    assert!(ok > 100 && err > 100, "ok {ok}, err {err}");
}

#[test]
fn huge_headers_switch_to_version_2() {
    // NumPy caps arrays at 64 dimensions, so only a synthetic array gets a header this long; the
    // reader refuses it for its dimensions, having read the whole header.
    let a = Array::from_vec(vec![1; 30_000], vec![2.5f64]);
    let bytes = write_npy_bytes(&a);
    assert_eq!(&bytes[..8], b"\x93NUMPY\x02\x00");
    let header_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    assert_eq!((12 + header_len) % 64, 0, "data must start 64-byte aligned");
    assert_eq!(bytes[12 + header_len - 1], b'\n');
    assert!(matches!(
        read_npy_bytes(&bytes).unwrap_err().kind,
        NpyErrorKind::TooManyDims { dims: 30_000 }
    ));
    let a = Array::from_vec(vec![1; 64], vec![2.5f64]);
    assert_same(
        &read_npy_bytes(&write_npy_bytes(&a)).unwrap(),
        &a,
        "64 dimensions",
    );
}

#[test]
fn shapes_of_more_than_64_dimensions_are_refused_before_the_data() {
    for dims in [65, 10_000] {
        let shape = format!("({})", "1, ".repeat(dims));
        let dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
        let bytes = npy_with_header(&dict, &[0; 8]);
        assert_eq!(
            error_of(&bytes),
            format!(
                "the shape has {dims} dimensions, more than the 64 an array may have (as in NumPy)"
            )
        );
        // No data at all: the header alone is refused.
        let header_only = npy_with_header(&dict, &[]);
        assert!(matches!(
            read_npy_bytes(&header_only).unwrap_err().kind,
            NpyErrorKind::TooManyDims { .. }
        ));
    }
}

/// A source that hands out its bytes a few at a time, as a pipe may, with no known length.
struct Trickle<'a> {
    bytes: &'a [u8],
    step: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.step = self.step % 7 + 1;
        let n = self.step.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

fn read_stream(bytes: &[u8]) -> Result<Array, arrjit_runtime::NpyError> {
    NpyReader::new(Trickle { bytes, step: 0 }, None)?.read()
}

#[test]
fn streams_read_like_files() {
    for path in all_fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        match (read_npy_bytes(&bytes), read_stream(&bytes)) {
            (Ok(a), Ok(b)) => assert_same(&b, &a, &path.display().to_string()),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (a, b) => panic!("{}: bytes {a:?}, stream {b:?}", path.display()),
        }
        // Every cut is an error of the same words as for bytes in memory.
        for cut in (0..bytes.len()).step_by(7) {
            let (a, b) = (read_npy_bytes(&bytes[..cut]), read_stream(&bytes[..cut]));
            match (a, b) {
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (Ok(_), Ok(_)) => {}
                (a, b) => panic!("{}: cut {cut}: {a:?} / {b:?}", path.display()),
            }
        }
    }
    // Past the data a stream's length is unknown: it is read one byte further, no more.
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    assert_eq!(
        read_stream(&npy_with_header(dict, &[0; 17]))
            .unwrap_err()
            .to_string(),
        "corrupt .npy: header says 2 elements (16 bytes) but more bytes follow them"
    );
}

#[test]
fn a_header_is_read_and_checked_before_the_data() {
    let dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }";
    let bytes = npy_with_header(dict, &[7; 24]);
    let reader = NpyReader::new(&bytes[..], Some(bytes.len() as u64)).unwrap();
    assert_eq!((reader.shape(), reader.dtype()), (&[2, 3][..], DType::I32));
    assert_eq!(reader.read().unwrap().shape(), &[2, 3]);
    // A header that promises 2^50 bytes over a short stream costs what came, not what it
    // promised: reserving the promise would abort the process.
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (140737488355328,), }";
    let bytes = npy_with_header(dict, &[0; 100]);
    let reader = NpyReader::new(
        Trickle {
            bytes: &bytes,
            step: 0,
        },
        None,
    )
    .unwrap();
    assert_eq!(reader.shape(), &[1 << 47]);
    assert_eq!(
        reader.read().unwrap_err().to_string(),
        "truncated .npy: header says 140737488355328 elements (1125899906842624 bytes) but the \
         file holds 100 bytes"
    );
}

/// Sources that never end or never start: each read ends promptly with an error. Run on a
/// thread, so that a reader that hangs fails the test after a minute instead of hanging it.
#[test]
fn endless_and_empty_sources_are_errors_at_once() {
    let scratch = std::env::temp_dir().join(format!("arrjit-npy-fifo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let fifo = scratch.join("fifo.npy");
    let made = std::process::Command::new("mkfifo").arg(&fifo).output();
    assert!(made.is_ok_and(|o| o.status.success()), "mkfifo failed");
    let socket = scratch.join("socket.npy");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let cases = [
        (
            "/dev/zero".into(),
            "/dev/zero: not a .npy file (bad magic bytes)".to_string(),
        ),
        (
            "/dev/urandom".into(),
            "/dev/urandom: not a .npy file (bad magic bytes)".to_string(),
        ),
        (
            "/dev/null".into(),
            "/dev/null: truncated .npy: the file is empty (0 bytes)".to_string(),
        ),
        (
            fifo.clone(),
            format!(
                "{}: nothing to read: no process is writing to this FIFO",
                fifo.display()
            ),
        ),
        (
            socket.clone(),
            format!("{}: it is a socket, not a file", socket.display()),
        ),
    ];
    for (path, want) in cases {
        let (tx, rx) = std::sync::mpsc::channel();
        let p: PathBuf = path;
        std::thread::spawn(move || {
            let _ = tx.send(read_npy(&p).map(|_| ()).map_err(|e| e.to_string()));
        });
        match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(got) => assert_eq!(got, Err(want)),
            Err(_) => panic!("still reading after 60 s: {want}"),
        }
    }
    std::fs::remove_dir_all(&scratch).unwrap();
}

#[test]
fn random_header_text_never_panics() {
    // Headers built from the characters the parser cares about, to reach its odd corners.
    const ALPHABET: &[u8] = b"{}()[]'\",: 0123456789LTrueFalsedcrpfothn_<>|=?ib4816\\\n";
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    let mut errors = 0;
    for round in 0..20_000 {
        let len = (rng.next() % 90) as usize;
        let mut dict: String = (0..len)
            .map(|_| ALPHABET[(rng.next() % ALPHABET.len() as u64) as usize] as char)
            .collect();
        if round % 2 == 0 {
            // Half the time start from a valid header and splice noise into it.
            let valid = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 1), }";
            let cut = (rng.next() % valid.len() as u64) as usize;
            dict = format!("{}{}", &valid[..cut], &dict[..len.min(8)]);
        }
        match read_npy_bytes(&npy_with_header(&dict, &[1, 0, 0, 0, 2, 0, 0, 0])) {
            Ok(a) => assert_eq!(a.len(), a.shape().iter().product::<usize>()),
            Err(e) => {
                assert!(!e.to_string().is_empty());
                errors += 1;
            }
        }
    }
    assert!(errors > 10_000, "{errors}");
}
