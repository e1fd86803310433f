//! `Array`: a dense, row-major (C order) n-dimensional array that owns its elements.
//!
//! The reference interpreter works on these directly with plain loops. Views (slices,
//! transposes, broadcasts) are materialised into fresh arrays; strided views belong to the
//! compiled backends.

/// The most dimensions an array may have: NumPy's bound (`NPY_MAXDIMS`). Loops, strides and
/// broadcasting cost time in the rank, and no real program needs more; a file or a program
/// that asks for more is refused with an error that says so.
pub const MAX_DIMS: usize = 64;

use crate::dtype::DType;
use num_complex::{Complex32, Complex64};

/// The elements of an array, one vector per dtype.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Bool(Vec<bool>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    C64(Vec<Complex32>),
    C128(Vec<Complex64>),
}

/// Applies `$body` to the vector inside any `Data` variant, binding it as `$v`.
#[macro_export]
macro_rules! with_data {
    ($data:expr, $v:ident => $body:expr) => {
        match $data {
            $crate::Data::Bool($v) => $body,
            $crate::Data::I32($v) => $body,
            $crate::Data::I64($v) => $body,
            $crate::Data::F32($v) => $body,
            $crate::Data::F64($v) => $body,
            $crate::Data::C64($v) => $body,
            $crate::Data::C128($v) => $body,
        }
    };
}

/// One element of any dtype.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    C64(Complex32),
    C128(Complex64),
}

impl Scalar {
    pub fn dtype(self) -> DType {
        match self {
            Scalar::Bool(_) => DType::Bool,
            Scalar::I32(_) => DType::I32,
            Scalar::I64(_) => DType::I64,
            Scalar::F32(_) => DType::F32,
            Scalar::F64(_) => DType::F64,
            Scalar::C64(_) => DType::C64,
            Scalar::C128(_) => DType::C128,
        }
    }

    /// The value as a complex number (exact for every dtype but i64 beyond 2^53).
    pub fn to_c128(self) -> Complex64 {
        match self {
            Scalar::Bool(b) => Complex64::new(b as u8 as f64, 0.0),
            Scalar::I32(x) => Complex64::new(x as f64, 0.0),
            Scalar::I64(x) => Complex64::new(x as f64, 0.0),
            Scalar::F32(x) => Complex64::new(x as f64, 0.0),
            Scalar::F64(x) => Complex64::new(x, 0.0),
            Scalar::C64(z) => Complex64::new(z.re as f64, z.im as f64),
            Scalar::C128(z) => z,
        }
    }

    /// The real part as f64.
    pub fn to_f64(self) -> f64 {
        self.to_c128().re
    }

    /// The value as an i64 if it is an integer or bool, or a float/complex holding an integer.
    pub fn to_i64_exact(self) -> Option<i64> {
        match self {
            Scalar::Bool(b) => Some(b as i64),
            Scalar::I32(x) => Some(x as i64),
            Scalar::I64(x) => Some(x),
            other => {
                let z = other.to_c128();
                let fits = z.im == 0.0 && z.re.fract() == 0.0 && z.re.abs() < 9.2e18;
                fits.then_some(z.re as i64)
            }
        }
    }
}

/// A Rust type that is the element type of one dtype.
pub trait Element: Copy + Send + Sync + 'static {
    const DTYPE: DType;
    fn wrap(v: Vec<Self>) -> Data;
    fn slice(d: &Data) -> Option<&[Self]>;
    fn into_vec(d: Data) -> Option<Vec<Self>>;
    fn scalar(self) -> Scalar;
}

macro_rules! element {
    ($t:ty, $variant:ident) => {
        impl Element for $t {
            const DTYPE: DType = DType::$variant;
            fn wrap(v: Vec<Self>) -> Data {
                Data::$variant(v)
            }
            fn slice(d: &Data) -> Option<&[Self]> {
                match d {
                    Data::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn into_vec(d: Data) -> Option<Vec<Self>> {
                match d {
                    Data::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn scalar(self) -> Scalar {
                Scalar::$variant(self)
            }
        }
    };
}
element!(bool, Bool);
element!(i32, I32);
element!(i64, I64);
element!(f32, F32);
element!(f64, F64);
element!(Complex32, C64);
element!(Complex64, C128);

impl Data {
    pub fn dtype(&self) -> DType {
        match self {
            Data::Bool(_) => DType::Bool,
            Data::I32(_) => DType::I32,
            Data::I64(_) => DType::I64,
            Data::F32(_) => DType::F32,
            Data::F64(_) => DType::F64,
            Data::C64(_) => DType::C64,
            Data::C128(_) => DType::C128,
        }
    }

    pub fn len(&self) -> usize {
        with_data!(self, v => v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `n` zeros of `dtype`.
    pub fn zeros(dtype: DType, n: usize) -> Data {
        match dtype {
            DType::Bool => Data::Bool(vec![false; n]),
            DType::I32 => Data::I32(vec![0; n]),
            DType::I64 => Data::I64(vec![0; n]),
            DType::F32 => Data::F32(vec![0.0; n]),
            DType::F64 => Data::F64(vec![0.0; n]),
            DType::C64 => Data::C64(vec![Complex32::new(0.0, 0.0); n]),
            DType::C128 => Data::C128(vec![Complex64::new(0.0, 0.0); n]),
        }
    }

    /// Element `i` as a `Scalar`.
    pub fn get(&self, i: usize) -> Scalar {
        with_data!(self, v => v[i].scalar())
    }

    /// The elements at `indices`, in that order (a gather).
    pub fn gather(&self, indices: &[usize]) -> Data {
        with_data!(self, v => Element::wrap(indices.iter().map(|&i| v[i]).collect()))
    }
}

/// Converts every element of a real source vector with `as`.
macro_rules! map_as {
    ($v:expr, $t:ty) => {
        $v.iter().map(|&x| x as $t).collect::<Vec<$t>>()
    };
}

/// Converts a source `Data` to the real primitive type `$t`, NumPy style: bool is 0/1,
/// complex drops its imaginary part, floats convert to integers by truncation toward zero,
/// saturating at the integer range, with NaN → 0 (NumPy leaves that case undefined).
macro_rules! to_real {
    ($data:expr, $t:ty) => {
        match $data {
            Data::Bool(v) => v.iter().map(|&x| x as u8 as $t).collect::<Vec<$t>>(),
            Data::I32(v) => map_as!(v, $t),
            Data::I64(v) => map_as!(v, $t),
            Data::F32(v) => map_as!(v, $t),
            Data::F64(v) => map_as!(v, $t),
            Data::C64(v) => v.iter().map(|z| z.re as $t).collect::<Vec<$t>>(),
            Data::C128(v) => v.iter().map(|z| z.re as $t).collect::<Vec<$t>>(),
        }
    };
}

impl Data {
    /// Converts every element to `to` (see `to_real!` for the rules).
    pub fn cast(&self, to: DType) -> Data {
        if self.dtype() == to {
            return self.clone();
        }
        match to {
            DType::Bool => Data::Bool(match self {
                Data::Bool(v) => v.clone(),
                Data::I32(v) => v.iter().map(|&x| x != 0).collect(),
                Data::I64(v) => v.iter().map(|&x| x != 0).collect(),
                Data::F32(v) => v.iter().map(|&x| x != 0.0).collect(),
                Data::F64(v) => v.iter().map(|&x| x != 0.0).collect(),
                Data::C64(v) => v.iter().map(|z| z.re != 0.0 || z.im != 0.0).collect(),
                Data::C128(v) => v.iter().map(|z| z.re != 0.0 || z.im != 0.0).collect(),
            }),
            DType::I32 => Data::I32(to_real!(self, i32)),
            DType::I64 => Data::I64(to_real!(self, i64)),
            DType::F32 => Data::F32(to_real!(self, f32)),
            DType::F64 => Data::F64(to_real!(self, f64)),
            DType::C64 => Data::C64(match self {
                Data::C128(v) => v
                    .iter()
                    .map(|z| Complex32::new(z.re as f32, z.im as f32))
                    .collect(),
                other => to_real!(other, f32)
                    .into_iter()
                    .map(|re| Complex32::new(re, 0.0))
                    .collect(),
            }),
            DType::C128 => Data::C128(match self {
                Data::C64(v) => v
                    .iter()
                    .map(|z| Complex64::new(z.re as f64, z.im as f64))
                    .collect(),
                other => to_real!(other, f64)
                    .into_iter()
                    .map(|re| Complex64::new(re, 0.0))
                    .collect(),
            }),
        }
    }
}

/// A dense row-major array.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    shape: Vec<usize>,
    data: Data,
}

impl Array {
    /// Builds an array from a shape and elements in row-major order.
    ///
    /// Panics if the element count does not match the shape: that is a bug in the caller,
    /// never a user error.
    pub fn new(shape: Vec<usize>, data: Data) -> Array {
        assert_eq!(
            shape.iter().product::<usize>(),
            data.len(),
            "shape {shape:?} does not match {} elements",
            data.len()
        );
        Array { shape, data }
    }

    pub fn from_vec<T: Element>(shape: Vec<usize>, v: Vec<T>) -> Array {
        Array::new(shape, T::wrap(v))
    }

    /// A 0-d array holding one value.
    pub fn scalar(s: Scalar) -> Array {
        let data = match s {
            Scalar::Bool(x) => Data::Bool(vec![x]),
            Scalar::I32(x) => Data::I32(vec![x]),
            Scalar::I64(x) => Data::I64(vec![x]),
            Scalar::F32(x) => Data::F32(vec![x]),
            Scalar::F64(x) => Data::F64(vec![x]),
            Scalar::C64(x) => Data::C64(vec![x]),
            Scalar::C128(x) => Data::C128(vec![x]),
        };
        Array::new(vec![], data)
    }

    pub fn zeros(dtype: DType, shape: Vec<usize>) -> Array {
        let n = shape.iter().product();
        Array::new(shape, Data::zeros(dtype, n))
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
    pub fn len(&self) -> usize {
        self.data.len()
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }
    pub fn data(&self) -> &Data {
        &self.data
    }
    /// The elements, for writing in place (the shape stays as it is).
    pub fn data_mut(&mut self) -> &mut Data {
        &mut self.data
    }

    pub fn into_data(self) -> Data {
        self.data
    }

    /// The elements as a typed slice, if `T` is this array's element type.
    pub fn as_slice<T: Element>(&self) -> Option<&[T]> {
        T::slice(&self.data)
    }

    /// Element `i` in row-major order.
    pub fn get(&self, i: usize) -> Scalar {
        self.data.get(i)
    }

    pub fn cast(&self, to: DType) -> Array {
        Array::new(self.shape.clone(), self.data.cast(to))
    }

    /// The same elements under a new shape with the same element count.
    pub fn reshaped(self, shape: Vec<usize>) -> Array {
        Array::new(shape, self.data)
    }
}

/// Row-major strides (in elements) of a shape.
pub fn strides_of(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    strides
}

/// Python's `repr` of a shape tuple, as NumPy shows shapes in messages: `()`, `(3,)`, `(2, 3)`.
pub fn shape_repr(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        dims => {
            let parts: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
            format!("({})", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_follow_numpy() {
        let a = Array::from_vec(vec![5], vec![-1.7f64, -0.0, 0.5, 2.9, f64::NAN]);
        assert_eq!(
            a.cast(DType::I32).as_slice::<i32>().unwrap(),
            &[-1, 0, 0, 2, 0]
        );
        assert_eq!(
            a.cast(DType::Bool).as_slice::<bool>().unwrap(),
            &[true, false, true, true, true]
        );
        let big = Array::from_vec(vec![1], vec![3_000_000_000i64]);
        // Integer narrowing wraps, as in NumPy's astype.
        assert_eq!(
            big.cast(DType::I32).as_slice::<i32>().unwrap(),
            &[-1_294_967_296]
        );
        let z = Array::from_vec(vec![1], vec![Complex64::new(1.5, -2.0)]);
        assert_eq!(z.cast(DType::F64).as_slice::<f64>().unwrap(), &[1.5]);
        assert_eq!(
            z.cast(DType::C64).as_slice::<Complex32>().unwrap(),
            &[Complex32::new(1.5, -2.0)]
        );
    }

    #[test]
    fn strides_are_row_major() {
        assert_eq!(strides_of(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(strides_of(&[]), Vec::<usize>::new());
    }

    #[test]
    fn shapes_print_like_python_tuples() {
        assert_eq!(shape_repr(&[]), "()");
        assert_eq!(shape_repr(&[3]), "(3,)");
        assert_eq!(shape_repr(&[2, 0, 4]), "(2, 0, 4)");
    }
}
