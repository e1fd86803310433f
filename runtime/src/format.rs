//! NumPy-style printing: `format_array(a)` is the text `print(a)` shows in NumPy 2.x with the
//! default print options (precision 8, threshold 1000, edgeitems 3, linewidth 75,
//! floatmode 'maxprec', suppress False).
//!
//! This follows NumPy's `arrayprint.py` (`FloatingFormat`, `ComplexFloatingFormat`,
//! `IntegerFormat`, `BoolFormat`, `_formatArray`) and the scalar `str` of `scalartypes.c`.
//! Decimal digits come from Rust's float formatting, which like NumPy's Dragon4 gives the
//! shortest digits that round-trip (`{:e}`) and correctly rounded fixed digits (`{:.8}`).
//! The expected strings in tests/data/format/cases.txt were printed by NumPy itself.

use crate::array::{Array, Data, Scalar, strides_of};

/// Arrays with more elements than this are summarised with `...`.
const THRESHOLD: usize = 1000;
/// How many items are shown at each end of a summarised axis.
const EDGE_ITEMS: usize = 3;
const LINE_WIDTH: isize = 75;
/// Digits after the point at most, in both positional and scientific notation.
const PRECISION: usize = 8;

/// The text NumPy's `print(a)` shows for `a`. A 0-d array prints like a NumPy scalar
/// (`0.1`, `1e-07`, `(1+2j)`, `True`), as `str(np.array(x))` does.
pub fn format_array(a: &Array) -> String {
    if a.ndim() == 0 {
        return format_scalar(a.get(0));
    }
    if a.is_empty() {
        return "[]".to_string();
    }
    let summarise = a.len() > THRESHOLD;
    // Like NumPy, the column widths come only from the elements that will be shown.
    let shown = if summarise {
        let mut v = Vec::new();
        edge_indices(a.shape(), &strides_of(a.shape()), 0, 0, &mut v);
        v
    } else {
        (0..a.len()).collect()
    };
    let format = ElementFormat::new(a.data(), &shown);
    let printer = Printer {
        shape: a.shape(),
        strides: strides_of(a.shape()),
        summarise,
        element: &|i| format.format(a.data(), i),
    };
    printer.recurse(0, 0, " ", LINE_WIDTH)
}

/// `str()` of a NumPy scalar: the shortest round-tripping digits, positional for magnitudes in
/// `[1e-4, 1e16)` (`[1e-4, 1e6)` for f32) and zero, scientific otherwise.
pub fn format_scalar(s: Scalar) -> String {
    match s {
        Scalar::Bool(b) => if b { "True" } else { "False" }.to_string(),
        Scalar::I32(x) => x.to_string(),
        Scalar::I64(x) => x.to_string(),
        Scalar::F32(x) => scalar_float(x, Trim::LeaveOneZero, false),
        Scalar::F64(x) => scalar_float(x, Trim::LeaveOneZero, false),
        Scalar::C64(z) => scalar_complex(z.re, z.im),
        Scalar::C128(z) => scalar_complex(z.re, z.im),
    }
}

/// The flat indices of the elements a summarised array shows (NumPy's `_leading_trailing`).
fn edge_indices(
    shape: &[usize],
    strides: &[usize],
    axis: usize,
    base: usize,
    out: &mut Vec<usize>,
) {
    if axis == shape.len() {
        out.push(base);
        return;
    }
    let n = shape[axis];
    let mut visit =
        |i: usize| edge_indices(shape, strides, axis + 1, base + i * strides[axis], out);
    if n > 2 * EDGE_ITEMS {
        (0..EDGE_ITEMS)
            .chain(n - EDGE_ITEMS..n)
            .for_each(&mut visit);
    } else {
        (0..n).for_each(&mut visit);
    }
}

// ---------------------------------------------------------------------------------------------
// Nested brackets and line wrapping: a port of NumPy's `_formatArray` with separator ' '.

struct Printer<'a> {
    shape: &'a [usize],
    strides: Vec<usize>,
    summarise: bool,
    element: &'a dyn Fn(usize) -> String,
}

impl Printer<'_> {
    /// Formats the sub-array at `axis` starting at flat index `base`. `hanging_indent` is what
    /// continuation lines start with; `width` is the line width left at this depth.
    fn recurse(&self, axis: usize, base: usize, hanging_indent: &str, width: isize) -> String {
        let len = self.shape[axis];
        let axes_left = self.shape.len() - axis;
        let show_summary = self.summarise && 2 * EDGE_ITEMS < len;
        let (leading, trailing) = if show_summary {
            (EDGE_ITEMS, EDGE_ITEMS)
        } else {
            (0, len)
        };
        // Rows in the output order: leading items, the `...` marker (None), trailing items.
        let mut rows: Vec<Option<usize>> = (0..leading).map(Some).collect();
        if show_summary {
            rows.push(None);
        }
        rows.extend((len - trailing..len).map(Some));
        let child = |i: usize| base + i * self.strides[axis];

        let mut s = String::new();
        if axes_left == 1 {
            // The last axis: words on a line, wrapped before they would pass `width - 1`
            // (one column is kept for the closing bracket).
            let elem_width = width - 1;
            let mut line = hanging_indent.to_string();
            for (k, row) in rows.iter().enumerate() {
                let word = match row {
                    Some(i) => (self.element)(child(*i)),
                    None => "...".to_string(),
                };
                extend_line(&mut s, &mut line, &word, elem_width, hanging_indent);
                if k + 1 < rows.len() {
                    line.push(' ');
                }
            }
            s.push_str(&line);
        } else {
            // Higher axes: one sub-array per line, with a blank line per extra axis between.
            let next_indent = format!("{hanging_indent} ");
            let line_sep = "\n".repeat(axes_left - 1);
            for (k, row) in rows.iter().enumerate() {
                s.push_str(hanging_indent);
                match row {
                    Some(i) => {
                        s.push_str(&self.recurse(axis + 1, child(*i), &next_indent, width - 1))
                    }
                    None => s.push_str("..."),
                }
                if k + 1 < rows.len() {
                    s.push_str(&line_sep);
                }
            }
        }
        format!("[{}]", &s[hanging_indent.len()..])
    }
}

/// Appends `word` to `line`, first moving `line` into `s` if the word would not fit, unless
/// the line holds nothing but the indent (wrapping would not help then).
fn extend_line(s: &mut String, line: &mut String, word: &str, width: isize, indent: &str) {
    let too_long = (line.len() + word.len()) as isize > width;
    if too_long && line.len() > indent.len() {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = indent.to_string();
    }
    line.push_str(word);
}

// ---------------------------------------------------------------------------------------------
// Element formats: the column format is fixed once from all shown elements, then applied to each.

enum ElementFormat {
    Bool,
    Int { width: usize },
    F32(FloatFormat),
    F64(FloatFormat),
    Complex { re: FloatFormat, im: FloatFormat },
}

impl ElementFormat {
    fn new(data: &Data, shown: &[usize]) -> ElementFormat {
        let int_width = |strs: Vec<String>| strs.iter().map(|s| s.len()).max().unwrap_or(0);
        match data {
            Data::Bool(_) => ElementFormat::Bool,
            // Right-aligned to the widest shown value (NumPy takes the wider of max and min).
            Data::I32(v) => ElementFormat::Int {
                width: int_width(shown.iter().map(|&i| v[i].to_string()).collect()),
            },
            Data::I64(v) => ElementFormat::Int {
                width: int_width(shown.iter().map(|&i| v[i].to_string()).collect()),
            },
            Data::F32(v) => ElementFormat::F32(FloatFormat::new(
                &shown.iter().map(|&i| v[i]).collect::<Vec<_>>(),
                false,
            )),
            Data::F64(v) => ElementFormat::F64(FloatFormat::new(
                &shown.iter().map(|&i| v[i]).collect::<Vec<_>>(),
                false,
            )),
            Data::C64(v) => ElementFormat::Complex {
                re: FloatFormat::new(&shown.iter().map(|&i| v[i].re).collect::<Vec<_>>(), false),
                im: FloatFormat::new(&shown.iter().map(|&i| v[i].im).collect::<Vec<_>>(), true),
            },
            Data::C128(v) => ElementFormat::Complex {
                re: FloatFormat::new(&shown.iter().map(|&i| v[i].re).collect::<Vec<_>>(), false),
                im: FloatFormat::new(&shown.iter().map(|&i| v[i].im).collect::<Vec<_>>(), true),
            },
        }
    }

    fn format(&self, data: &Data, i: usize) -> String {
        match (self, data) {
            // " True" lines up with "False".
            (ElementFormat::Bool, Data::Bool(v)) => if v[i] { " True" } else { "False" }.into(),
            (ElementFormat::Int { width }, Data::I32(v)) => format!("{:>width$}", v[i]),
            (ElementFormat::Int { width }, Data::I64(v)) => format!("{:>width$}", v[i]),
            (ElementFormat::F32(f), Data::F32(v)) => f.format(v[i]),
            (ElementFormat::F64(f), Data::F64(v)) => f.format(v[i]),
            (ElementFormat::Complex { re, im }, Data::C64(v)) => {
                join_complex(re.format(v[i].re), im.format(v[i].im))
            }
            (ElementFormat::Complex { re, im }, Data::C128(v)) => {
                join_complex(re.format(v[i].re), im.format(v[i].im))
            }
            _ => unreachable!("element format built for another dtype"),
        }
    }
}

/// `1.+2.j`: the `j` goes right after the imaginary digits, before its padding.
fn join_complex(re: String, im: String) -> String {
    let digits = im.trim_end().len();
    format!("{re}{}j{}", &im[..digits], &im[digits..])
}

/// A float column format (NumPy's `FloatingFormat` in 'maxprec' mode).
struct FloatFormat {
    scientific: bool,
    /// Width of the sign and integer part.
    pad_left: usize,
    /// Width of the fraction (positional) or of everything after the point (scientific).
    pad_right: usize,
    /// Scientific only: digits after the point, zero-padded, and minimum exponent digits.
    precision: usize,
    exp_digits: usize,
    /// Print '+' before non-negative values (the imaginary parts of complex numbers).
    sign_plus: bool,
}

impl FloatFormat {
    fn new<T: Float>(values: &[T], sign_plus: bool) -> FloatFormat {
        let finite: Vec<T> = values.iter().copied().filter(|x| x.is_finite()).collect();
        let mut f = FloatFormat {
            scientific: false,
            pad_left: 0,
            pad_right: 0,
            precision: 0,
            exp_digits: 0,
            sign_plus,
        };
        // Scientific when the magnitudes are large, small, or too far apart, judged in the
        // element type itself as NumPy does.
        let nonzero: Vec<T> = finite
            .iter()
            .filter(|x| !x.is_zero())
            .map(|x| x.abs())
            .collect();
        if let (Some(&max), Some(&min)) = (
            nonzero.iter().max_by(|a, b| a.partial_cmp(b).unwrap()),
            nonzero.iter().min_by(|a, b| a.partial_cmp(b).unwrap()),
        ) {
            f.scientific =
                max >= T::EXP_CUTOFF_MAX || min < T::EXP_CUTOFF_MIN || max.div(min) > T::RATIO_MAX;
        }
        let sign = |x: T| sign_str(x, sign_plus);
        if finite.is_empty() {
            // Only nan and inf: widths come from the non-finite adjustment below.
        } else if f.scientific {
            let parts: Vec<_> = finite
                .iter()
                .map(|&x| (sign(x), scientific(x, Some(PRECISION))))
                .collect();
            f.exp_digits = parts
                .iter()
                .map(|(_, p)| p.exp.unsigned_abs().to_string().len().max(2))
                .max()
                .unwrap_or(2);
            f.precision = parts.iter().map(|(_, p)| p.frac.len()).max().unwrap_or(0);
            f.pad_left = parts
                .iter()
                .map(|(s, p)| s.len() + p.int.len())
                .max()
                .unwrap_or(0);
            f.pad_right = f.exp_digits + 2 + f.precision;
        } else {
            let parts: Vec<_> = finite
                .iter()
                .map(|&x| (sign(x), positional(x, Some(PRECISION))))
                .collect();
            f.pad_left = parts
                .iter()
                .map(|(s, p)| s.len() + p.int.len())
                .max()
                .unwrap_or(0);
            f.pad_right = parts.iter().map(|(_, p)| p.frac.len()).max().unwrap_or(0);
        }
        if finite.len() < values.len() {
            // Make room for "nan", "inf" and "-inf" in the whole width (pad_left + 1 + pad_right).
            let neg_inf = sign_plus
                || values
                    .iter()
                    .any(|x| x.is_infinite() && x.is_sign_negative());
            let offset = f.pad_right as isize + 1;
            let need = (3 + neg_inf as isize - offset).max(0) as usize;
            f.pad_left = f.pad_left.max(need);
        }
        f
    }

    fn sign<T: Float>(&self, x: T) -> &'static str {
        sign_str(x, self.sign_plus)
    }

    fn format<T: Float>(&self, x: T) -> String {
        let width = self.pad_left + self.pad_right + 1;
        if x.is_nan() {
            let s = if self.sign_plus { "+nan" } else { "nan" };
            return format!("{s:>width$}");
        }
        if x.is_infinite() {
            let s = format!("{}inf", self.sign(x));
            return format!("{s:>width$}");
        }
        let sign = self.sign(x);
        let pad_left = self.pad_left;
        if self.scientific {
            let p = scientific(x, Some(self.precision));
            let int = format!("{sign}{}", p.int);
            let exp_sign = if p.exp < 0 { '-' } else { '+' };
            format!(
                "{int:>pad_left$}.{:0<prec$}e{exp_sign}{:0>ed$}",
                p.frac,
                p.exp.unsigned_abs(),
                prec = self.precision,
                ed = self.exp_digits
            )
        } else {
            let p = positional(x, Some(PRECISION));
            let int = format!("{sign}{}", p.int);
            format!(
                "{int:>pad_left$}.{:<pad_right$}",
                p.frac,
                pad_right = self.pad_right
            )
        }
    }
}

/// The sign printed before a value: '-' for negatives (-0.0 included), '+' only if asked.
fn sign_str<T: Float>(x: T, sign_plus: bool) -> &'static str {
    match (x.is_sign_negative(), sign_plus) {
        (true, _) => "-",
        (false, true) => "+",
        (false, false) => "",
    }
}

// ---------------------------------------------------------------------------------------------
// Scalars.

#[derive(Clone, Copy, PartialEq)]
enum Trim {
    /// `1.0`: keep one zero after the point (float scalars in positional notation).
    LeaveOneZero,
    /// `1`, `1e+20`: drop the zeros and the point (complex parts, and scientific notation).
    DptZeros,
}

fn scalar_float<T: Float>(x: T, trim: Trim, sign_plus: bool) -> String {
    let sign = if x.is_sign_negative() && !x.is_nan() {
        "-"
    } else if sign_plus {
        "+"
    } else {
        ""
    };
    if x.is_nan() {
        return format!("{sign}nan");
    }
    if x.is_infinite() {
        return format!("{sign}inf");
    }
    let mag = x.abs().to_f64();
    if x.is_zero() || (1e-4..T::SCALAR_EXP_CUTOFF).contains(&mag) {
        let p = positional(x, None);
        match (trim, p.frac.is_empty()) {
            (Trim::LeaveOneZero, true) => format!("{sign}{}.0", p.int),
            (Trim::DptZeros, true) => format!("{sign}{}", p.int),
            (_, false) => format!("{sign}{}.{}", p.int, p.frac),
        }
    } else {
        let p = scientific(x, None);
        let point = if p.frac.is_empty() {
            String::new()
        } else {
            format!(".{}", p.frac)
        };
        let exp_sign = if p.exp < 0 { '-' } else { '+' };
        format!(
            "{sign}{}{point}e{exp_sign}{:02}",
            p.int,
            p.exp.unsigned_abs()
        )
    }
}

/// `str()` of a NumPy complex scalar: `(1+2j)`, or just `2j` when the real part is +0.
fn scalar_complex<T: Float>(re: T, im: T) -> String {
    if re.is_zero() && !re.is_sign_negative() {
        return format!("{}j", scalar_float(im, Trim::DptZeros, false));
    }
    format!(
        "({}{}j)",
        scalar_float(re, Trim::DptZeros, false),
        scalar_float(im, Trim::DptZeros, true)
    )
}

// ---------------------------------------------------------------------------------------------
// Decimal digits.

/// The digits of a finite float's magnitude in positional notation, with no trailing zeros in
/// the fraction.
struct Positional {
    int: String,
    frac: String,
}

/// The digits of a finite float's magnitude in scientific notation: `int.frac × 10^exp`.
struct Scientific {
    int: String,
    frac: String,
    exp: i32,
}

/// Shortest round-trip digits, or, when those need more than `precision` digits after the
/// point, the value correctly rounded to `precision` digits (NumPy's unique mode with a cutoff).
fn positional<T: Float>(x: T, precision: Option<usize>) -> Positional {
    let s = scientific(x, None);
    let digits = format!("{}{}", s.int, s.frac);
    let frac_len = (digits.len() as i64 - 1 - s.exp as i64).max(0) as usize;
    if let Some(p) = precision.filter(|&p| frac_len > p) {
        let fixed = x.abs().fixed(p);
        let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
        return Positional {
            int: int.to_string(),
            frac: frac.trim_end_matches('0').to_string(),
        };
    }
    if s.exp >= 0 {
        let e = s.exp as usize;
        let mut int = digits.clone();
        if int.len() < e + 1 {
            int.push_str(&"0".repeat(e + 1 - int.len()));
        }
        let frac = digits.get(e + 1..).unwrap_or("").to_string();
        Positional {
            int: int[..e + 1].to_string(),
            frac,
        }
    } else {
        let zeros = "0".repeat((-s.exp - 1) as usize);
        Positional {
            int: "0".to_string(),
            frac: format!("{zeros}{digits}"),
        }
    }
}

fn scientific<T: Float>(x: T, precision: Option<usize>) -> Scientific {
    let parse = |s: String| {
        let (mantissa, exp) = s.split_once('e').expect("Rust's {:e} output has an 'e'");
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        Scientific {
            int: int.to_string(),
            frac: frac.trim_end_matches('0').to_string(),
            exp: exp.parse().expect("Rust's {:e} exponent is an integer"),
        }
    };
    let shortest = parse(x.abs().shortest_sci());
    match precision {
        Some(p) if shortest.frac.len() > p => parse(x.abs().sci(p)),
        _ => shortest,
    }
}

/// What printing needs from f32 and f64; digits always come from the type's own precision.
trait Float: Copy + PartialOrd {
    /// Arrays switch to scientific at `10^min(8, decimal precision)`: 1e8 for f64, 1e6 for f32.
    const EXP_CUTOFF_MAX: Self;
    const EXP_CUTOFF_MIN: Self;
    const RATIO_MAX: Self;
    /// Scalars switch to scientific at this magnitude (compared in f64).
    const SCALAR_EXP_CUTOFF: f64;
    fn is_finite(self) -> bool;
    fn is_nan(self) -> bool;
    fn is_infinite(self) -> bool;
    fn is_sign_negative(self) -> bool;
    fn is_zero(self) -> bool;
    fn abs(self) -> Self;
    fn div(self, other: Self) -> Self;
    fn to_f64(self) -> f64;
    /// `{:e}`: shortest round-trip digits in scientific notation.
    fn shortest_sci(self) -> String;
    /// `{:.p$e}`: correctly rounded to `p` digits after the point.
    fn sci(self, p: usize) -> String;
    /// `{:.p$}`: correctly rounded to `p` digits after the point.
    fn fixed(self, p: usize) -> String;
}

macro_rules! impl_float {
    ($t:ty, $max:expr, $scalar_max:expr) => {
        impl Float for $t {
            const EXP_CUTOFF_MAX: Self = $max;
            const EXP_CUTOFF_MIN: Self = 1e-4;
            const RATIO_MAX: Self = 1000.0;
            const SCALAR_EXP_CUTOFF: f64 = $scalar_max;
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn is_infinite(self) -> bool {
                <$t>::is_infinite(self)
            }
            fn is_sign_negative(self) -> bool {
                <$t>::is_sign_negative(self)
            }
            fn is_zero(self) -> bool {
                self == 0.0
            }
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            fn div(self, other: Self) -> Self {
                self / other
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn shortest_sci(self) -> String {
                format!("{self:e}")
            }
            fn sci(self, p: usize) -> String {
                format!("{self:.p$e}")
            }
            fn fixed(self, p: usize) -> String {
                format!("{self:.p$}")
            }
        }
    };
}
impl_float!(f32, 1e6, 1e6);
impl_float!(f64, 1e8, 1e16);
