//! Library calls on the device, as CUDA C of our own (`runtime/cuda/scan.cuh`, `sort.cuh`,
//! and `fft.cuh` around cuFFT):
//! each is a module with one `arr_kernel(ArrArgs)` entry per dtype, compiled on first use like
//! a fused kernel (and tested the same ways: on the emulator, and compiled to PTX).

use super::render::{PRELUDE, c_type};
use arrjit_runtime::DType;

/// Inclusive scans along an axis.
pub const SCAN: &str = include_str!("../../../runtime/cuda/scan.cuh");

/// Stable radix sort and argsort along the last axis.
pub const SORT: &str = include_str!("../../../runtime/cuda/sort.cuh");

/// The widening and scaling around cuFFT's transforms.
pub const FFT: &str = include_str!("../../../runtime/cuda/fft.cuh");

/// Threads per block of every launch of the sort (`ARR_SORT_THREADS`).
pub const SORT_THREADS: u32 = 256;

/// The longest lanes the sort takes one block per lane for, in shared memory
/// (`ARR_SORT_SHORT`, stage `SHORT_LANES`).
pub const SORT_SHORT: usize = 1024;

/// Digit passes the sort makes at most (`ARR_SORT_MAX_PASSES`): 8 for a key, 8 for a lane.
pub const SORT_MAX_PASSES: usize = 16;

/// The stages of `sort.cuh` (`ARR_SORT_CLEAR`, …).
pub mod sort_stage {
    pub const CLEAR: usize = 0;
    pub const HISTOGRAMS: usize = 1;
    pub const PASS: usize = 2;
    pub const SHORT_LANES: usize = 3;
}

/// The source of the scan (`product`: cumprod, else cumsum) of `dtype` values, or `None`
/// where the device has none (bools run on the host).
pub fn scan_source(dtype: DType, product: bool) -> Option<String> {
    if dtype == DType::Bool {
        return None;
    }
    Some(format!(
        "{PRELUDE}\n{SCAN}\nextern \"C\" __global__ void __launch_bounds__(ARR_SCAN_THREADS, ARR_SCAN_MIN_BLOCKS)\narr_kernel(const ArrArgs a) {{ arr_scan<{}, {product}>(a); }}\n",
        c_type(dtype)
    ))
}

/// Threads per block of every launch of the scan (`ARR_SCAN_THREADS`).
pub const SCAN_THREADS: u32 = 256;

/// Elements per tile of the scan (`ARR_SCAN_TILE`): `ARR_SCAN_ITEMS` (8) per thread.
pub const SCAN_TILE: usize = 8 * SCAN_THREADS as usize;

/// The stages of `scan.cuh` (`ARR_SCAN_REDUCE`, …).
pub mod scan_stage {
    pub const REDUCE: usize = 0;
    pub const DOWN: usize = 1;
}

/// How `scan.cuh` tiles a scan of `outer` × `n` × `inner` elements along `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanTiles {
    /// Lanes per tile, a power of two: rows where `inner` is 1, else columns.
    pub lanes: usize,
    /// Groups of `lanes` lanes.
    pub groups: usize,
    /// Tiles along `n` per group; above 1, the tiles' totals are scanned first.
    pub along: usize,
}

impl ScanTiles {
    /// Lanes enough that a tile holds a whole lane where lanes are short (up to one lane per
    /// thread); and at least 32 columns, for coalesced loads, where `inner` has them.
    pub fn new(outer: usize, n: usize, inner: usize) -> ScanTiles {
        let threads = SCAN_THREADS as usize;
        let fill = (SCAN_TILE / n.max(1).next_power_of_two()).clamp(1, threads);
        let lanes = if inner == 1 {
            fill
        } else {
            let columns = 1 << inner.max(1).ilog2();
            columns.min(threads).min(fill.max(32))
        };
        let groups = if inner == 1 {
            outer.div_ceil(lanes)
        } else {
            outer * inner.div_ceil(lanes)
        };
        ScanTiles {
            lanes,
            groups,
            along: n.div_ceil(SCAN_TILE / lanes),
        }
    }

    /// Tiles in all.
    pub fn tiles(&self) -> usize {
        self.groups * self.along
    }
}

/// The `ArrArgs` of a stage of the scan of `x` into `y`, an array of `outer` × `n` × `inner`
/// elements (`shape`) scanned along `n` with `lanes` lanes a tile, with the tiles' totals at
/// `totals`.
pub fn scan_args(
    x: u64,
    y: u64,
    totals: u64,
    shape: [usize; 3],
    lanes: usize,
    stage: usize,
) -> Vec<u64> {
    [x, y, totals]
        .into_iter()
        .chain(shape.into_iter().chain([lanes, stage]).map(|v| v as u64))
        .collect()
}

/// The source of the sort of `dtype` values, with 64-bit indices if `wide` (else 32-bit), or
/// `None` where the device has none (complex numbers sort on the host).
pub fn sort_source(dtype: DType, wide: bool) -> Option<String> {
    if dtype.is_complex() {
        return None;
    }
    let index = if wide { "u64" } else { "u32" };
    Some(format!(
        "{PRELUDE}\n{SORT}\nextern \"C\" __global__ void arr_kernel(const ArrArgs a) {{ arr_sort<{}, {index}>(a); }}\n",
        c_type(dtype)
    ))
}

/// Whether a sort of `total` elements needs 64-bit indices.
pub fn sort_wide(total: usize) -> bool {
    total > u32::MAX as usize
}

/// Bytes of a `dtype` sort key: as wide as the values, 32 bits at least.
pub fn key_bytes(dtype: DType) -> usize {
    match dtype {
        DType::I64 | DType::F64 => 8,
        _ => 4,
    }
}

/// Bytes of a sort index: 64 bits if `wide` (`sort_wide`), else 32.
pub fn index_bytes(wide: bool) -> usize {
    if wide { 8 } else { 4 }
}

/// Elements per tile of the sort's digit passes: `ARR_SORT_ITEMS` per thread, by the bytes
/// of a key and an index together.
pub fn sort_tile(dtype: DType, wide: bool) -> usize {
    let pair = key_bytes(dtype) + index_bytes(wide);
    let items = if pair <= 8 {
        15
    } else if pair <= 12 {
        10
    } else {
        7
    };
    items * SORT_THREADS as usize
}

/// The 8-bit digits of a `dtype` key.
pub fn key_passes(dtype: DType) -> usize {
    match dtype {
        DType::Bool => 1,
        _ => key_bytes(dtype),
    }
}

/// The 8-bit digits of the lane indices `0..lanes`.
pub fn lane_passes(lanes: usize) -> usize {
    let bits = usize::BITS - lanes.saturating_sub(1).leading_zeros();
    bits.div_ceil(8) as usize
}

/// Words of the sort's control block over `tiles` tiles: histograms and tile counters of
/// every pass, then two blocks of look-back states (one per tile and digit).
pub fn sort_control_words(tiles: usize) -> usize {
    SORT_MAX_PASSES * 257 + 2 * 256 * tiles
}

/// The `ArrArgs` of the sort's stages (`sort.cuh`), in its field order.
pub struct SortArgs {
    pub x: u64,
    pub y: u64,
    /// Scratch keys and indices, two buffers of each (the passes go back and forth).
    pub keys: [u64; 2],
    pub index: [u64; 2],
    pub control: u64,
    /// The control words stage 0 clears: all but the second block of look-back states.
    pub control_words: usize,
    pub total: usize,
    pub lane: usize,
    pub tiles: usize,
    pub stage: usize,
    pub pass: usize,
    pub key_passes: usize,
    pub passes: usize,
    pub argsort: bool,
}

impl SortArgs {
    pub fn words(&self) -> Vec<u64> {
        vec![
            self.x,
            self.y,
            self.keys[0],
            self.keys[1],
            self.index[0],
            self.index[1],
            self.control,
            self.control_words as u64,
            self.total as u64,
            self.lane as u64,
            self.tiles as u64,
            self.stage as u64,
            self.pass as u64,
            self.key_passes as u64,
            self.passes as u64,
            self.argsort as u64,
        ]
    }
}

/// The source of the steps around an FFT whose complex values have parts of `part` (f32 or
/// f64).
pub fn fft_source(part: DType) -> String {
    let complex = if part == DType::F32 {
        "ArrC64"
    } else {
        "ArrC128"
    };
    format!(
        "{PRELUDE}\n{FFT}\nextern \"C\" __global__ void arr_kernel(const ArrArgs a) {{ arr_fft_step<{}, {complex}>(a); }}\n",
        c_type(part)
    )
}

/// The `ArrArgs` of an FFT step (`fft.cuh`): stage 0 widens `count` reals at `x` into `y`,
/// stage 1 scales `count` complex values at `y` by `scale`, stage 2 fills the `count`
/// values of the upper halves of transforms of length `n` at `y` from their lower halves.
pub fn fft_args(x: u64, y: u64, count: usize, n: usize, scale: f64, stage: u64) -> Vec<u64> {
    vec![x, y, count as u64, n as u64, scale.to_bits(), stage]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host's sizes of the sort are the ones `sort.cuh` defines.
    #[test]
    fn sort_sizes_match_the_kernel() {
        for (name, value) in [
            ("ARR_SORT_THREADS", SORT_THREADS as usize),
            ("ARR_SORT_SHORT", SORT_SHORT),
            ("ARR_SORT_MAX_PASSES", SORT_MAX_PASSES),
        ] {
            let line = format!("#define {name} {value}\n");
            assert!(SORT.contains(&line), "sort.cuh lacks `{}`", line.trim());
        }
        // The tile sizes: items per thread by the bytes of a key and an index.
        let items = "#define ARR_SORT_ITEMS(pair_bytes) ((pair_bytes) <= 8 ? 15 : ((pair_bytes) <= 12 ? 10 : 7))\n";
        assert!(SORT.contains(items), "sort.cuh's ARR_SORT_ITEMS changed");
        let threads = SORT_THREADS as usize;
        assert_eq!(sort_tile(DType::F32, false), 15 * threads);
        assert_eq!(sort_tile(DType::Bool, false), 15 * threads);
        assert_eq!(sort_tile(DType::F64, false), 10 * threads);
        assert_eq!(sort_tile(DType::I32, true), 10 * threads);
        assert_eq!(sort_tile(DType::I64, true), 7 * threads);
        for (name, value) in [
            ("ARR_SORT_CLEAR", sort_stage::CLEAR),
            ("ARR_SORT_HISTOGRAMS", sort_stage::HISTOGRAMS),
            ("ARR_SORT_PASS", sort_stage::PASS),
            ("ARR_SORT_SHORT_LANES", sort_stage::SHORT_LANES),
        ] {
            let line = format!("#define {name} {value}\n");
            assert!(SORT.contains(&line), "sort.cuh lacks `{}`", line.trim());
            let dispatch = format!("a.stage == {name})");
            assert!(SORT.contains(&dispatch), "sort.cuh never runs {name}");
            let described = format!("//   {value}  ");
            assert!(
                SORT.contains(&described),
                "sort.cuh's header skips stage {value}"
            );
        }
    }

    /// The host's sizes and stages of the scan are the ones `scan.cuh` defines.
    #[test]
    fn scan_sizes_match_the_kernel() {
        for (name, value) in [
            ("ARR_SCAN_THREADS", SCAN_THREADS as usize),
            ("ARR_SCAN_ITEMS", SCAN_TILE / SCAN_THREADS as usize),
            ("ARR_SCAN_REDUCE", scan_stage::REDUCE),
            ("ARR_SCAN_DOWN", scan_stage::DOWN),
        ] {
            let line = format!("#define {name} {value}\n");
            assert!(SCAN.contains(&line), "scan.cuh lacks `{}`", line.trim());
            let described = format!("//   {value}  ");
            if name.contains("REDUCE") || name.contains("DOWN") {
                assert!(SCAN.contains(&described), "scan.cuh's header skips {name}");
            }
        }
        let stage = "a.stage == ARR_SCAN_REDUCE";
        assert!(
            SCAN.contains(stage),
            "scan.cuh never tells its stages apart"
        );
    }

    /// Scan tiles: a power of two of lanes that leaves each thread a segment; every element
    /// in exactly one tile; whole short lanes in one tile where they fit; at least 32 columns
    /// where there are that many.
    #[test]
    fn scan_tiles_cover_the_array() {
        let threads = SCAN_THREADS as usize;
        for outer in [0, 1, 2, 3, 7, 1000] {
            for n in [0, 1, 2, 3, 8, 9, 100, 2048, 2049, 5000, 1 << 20] {
                for inner in [1, 2, 3, 5, 31, 32, 33, 200, 1000] {
                    let t = ScanTiles::new(outer, n, inner);
                    assert!(t.lanes.is_power_of_two() && t.lanes <= threads, "{t:?}");
                    let positions = SCAN_TILE / t.lanes;
                    // The groups hold every lane (rows: all of them; columns: each outer
                    // index's), none of them empty; the tiles along n hold every position,
                    // the last of them not empty.
                    let (lanes, repeats) = match (inner, outer) {
                        (_, 0) => (0, 0),
                        (1, _) => (outer, 1),
                        _ => (inner, outer),
                    };
                    let per_repeat = t.groups.checked_div(repeats).unwrap_or(0);
                    assert_eq!(per_repeat * repeats, t.groups, "{outer} {n} {inner}: {t:?}");
                    assert!(per_repeat * t.lanes >= lanes, "{outer} {n} {inner}: {t:?}");
                    if per_repeat > 0 {
                        assert!((per_repeat - 1) * t.lanes < lanes, "{outer} {n} {inner}");
                    }
                    assert!(t.along * positions >= n, "{outer} {n} {inner}: {t:?}");
                    if t.along > 0 {
                        assert!((t.along - 1) * positions < n, "{outer} {n} {inner}: {t:?}");
                    }
                    // Whole lanes in a tile where they fit beside the columns wanted.
                    let columns = if inner == 1 { 1 } else { inner.min(32) };
                    if n * columns <= SCAN_TILE {
                        assert!(t.along <= 1, "{outer} {n} {inner}: {t:?}");
                    }
                    if inner >= 32 {
                        assert!(t.lanes >= 32, "{outer} {n} {inner}: {t:?}");
                    }
                    if inner > 1 {
                        assert!(t.lanes <= inner, "{outer} {n} {inner}: {t:?}");
                    }
                }
            }
        }
        // A lane of 2²⁰ takes 512 tiles; their totals, one tile.
        let long = ScanTiles::new(1, 1 << 20, 1);
        assert_eq!((long.lanes, long.along), (1, 512));
        let totals = ScanTiles::new(long.groups, long.along, long.lanes);
        assert_eq!((totals.lanes, totals.along), (4, 1));
    }

    #[test]
    fn lane_digits() {
        assert_eq!(lane_passes(0), 0);
        assert_eq!(lane_passes(1), 0);
        assert_eq!(lane_passes(2), 1);
        assert_eq!(lane_passes(256), 1);
        assert_eq!(lane_passes(257), 2);
        assert_eq!(lane_passes(65_536), 2);
        assert_eq!(lane_passes(65_537), 3);
    }
}
