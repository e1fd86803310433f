//! Element types and NumPy's promotion rules.

use std::fmt;

/// The element type of an array.
///
/// The order of the variants is the order of the promotion lattice's kinds:
/// bool < integers < floats < complex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    Bool,
    I32,
    I64,
    F32,
    F64,
    C64,
    C128,
}

/// The kind of a dtype: what family of numbers it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Bool,
    Int,
    Float,
    Complex,
}

impl DType {
    /// Every dtype, in lattice order.
    pub const ALL: [DType; 7] = [
        DType::Bool,
        DType::I32,
        DType::I64,
        DType::F32,
        DType::F64,
        DType::C64,
        DType::C128,
    ];

    /// The name used in `.arr` source (`f32`, `c128`, …).
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::C64 => "c64",
            DType::C128 => "c128",
        }
    }

    /// Parses a name as written in `.arr` source.
    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.name() == name)
    }

    pub fn kind(self) -> Kind {
        match self {
            DType::Bool => Kind::Bool,
            DType::I32 | DType::I64 => Kind::Int,
            DType::F32 | DType::F64 => Kind::Float,
            DType::C64 | DType::C128 => Kind::Complex,
        }
    }

    pub fn is_bool(self) -> bool {
        self.kind() == Kind::Bool
    }
    pub fn is_int(self) -> bool {
        self.kind() == Kind::Int
    }
    pub fn is_float(self) -> bool {
        self.kind() == Kind::Float
    }
    pub fn is_complex(self) -> bool {
        self.kind() == Kind::Complex
    }

    /// Size of one element in bytes.
    pub fn itemsize(self) -> usize {
        match self {
            DType::Bool => 1,
            DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 | DType::C64 => 8,
            DType::C128 => 16,
        }
    }

    /// The real dtype with the same precision: `c64 → f32`, `c128 → f64`; others unchanged.
    pub fn real(self) -> DType {
        match self {
            DType::C64 => DType::F32,
            DType::C128 => DType::F64,
            other => other,
        }
    }

    /// The complex dtype that holds this one exactly enough: `f32 → c64`, everything
    /// else that is not already complex `→ c128`.
    pub fn complex(self) -> DType {
        match self {
            DType::F32 | DType::C64 => DType::C64,
            _ => DType::C128,
        }
    }

    /// The floating dtype that math functions return for this input: ints and bool go to f64
    /// (NumPy sends ints to f64 and bool to f16, which arrjit does not have), floats and
    /// complex keep their type.
    pub fn float(self) -> DType {
        match self {
            DType::Bool | DType::I32 | DType::I64 => DType::F64,
            other => other,
        }
    }

    /// NumPy's promotion of two strongly typed dtypes (`np.result_type`): the higher kind wins,
    /// and the result is single precision only when neither side needs more (an i32 does not fit
    /// in an f32, so `i32 + f32 → f64`).
    ///
    /// ```
    /// use arrjit_runtime::DType;
    /// assert_eq!(DType::promote(DType::I32, DType::F32), DType::F64);
    /// assert_eq!(DType::promote(DType::F32, DType::C64), DType::C64);
    /// assert_eq!(DType::promote(DType::Bool, DType::I32), DType::I32);
    /// ```
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        let small = |allowed: &[DType]| allowed.contains(&a) && allowed.contains(&b);
        match a.kind().max(b.kind()) {
            Kind::Complex if small(&[Bool, F32, C64]) => C64,
            Kind::Complex => C128,
            Kind::Float if small(&[Bool, F32]) => F32,
            Kind::Float => F64,
            Kind::Int if small(&[Bool, I32]) => I32,
            Kind::Int => I64,
            Kind::Bool => Bool,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_matches_numpy_result_type() {
        use DType::*;
        // Pairs taken from np.result_type on NumPy 2.x.
        let table = [
            (Bool, I32, I32),
            (Bool, F32, F32),
            (I32, I64, I64),
            (I32, F32, F64),
            (I64, F32, F64),
            (F32, F64, F64),
            (F32, C64, C64),
            (F64, C64, C128),
            (I32, C64, C128),
            (C64, C128, C128),
        ];
        for (a, b, want) in table {
            assert_eq!(DType::promote(a, b), want, "{a} + {b}");
            assert_eq!(DType::promote(b, a), want, "{b} + {a}");
        }
    }

    #[test]
    fn names_round_trip() {
        for d in DType::ALL {
            assert_eq!(DType::from_name(d.name()), Some(d));
        }
        assert_eq!(DType::from_name("float"), None);
    }
}
