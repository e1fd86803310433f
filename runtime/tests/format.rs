//! `format_array` against the text NumPy 2.x printed for the same arrays
//! (tests/data/format/cases.txt, written by make_cases.py).

use arrjit_runtime::{Array, Complex32, Complex64, DType, format_array};

struct Case {
    name: String,
    array: Array,
    expected: String,
}

fn parse_float(s: &str) -> f64 {
    s.parse()
        .unwrap_or_else(|_| panic!("bad float {s:?} in cases.txt"))
}

fn parse_complex(s: &str) -> Complex64 {
    let (re, im) = s.split_once(',').expect("complex as re,im");
    Complex64::new(parse_float(re), parse_float(im))
}

/// Builds the array of one case from its `dtype`, `shape` and `values`/`arange` lines.
fn build(dtype: DType, shape: Vec<usize>, values: &[&str], arange: Option<(f64, f64)>) -> Array {
    let n: usize = shape.iter().product();
    if let Some((step, start)) = arange {
        // NumPy computed arange(n) * step + start in f64, then cast with astype.
        let v: Vec<f64> = (0..n).map(|i| i as f64 * step + start).collect();
        let a = Array::from_vec(shape, v);
        return if dtype == DType::Bool {
            a.cast(DType::Bool)
        } else {
            a.cast(dtype)
        };
    }
    assert_eq!(values.len(), n, "value count vs shape");
    match dtype {
        DType::Bool => Array::from_vec(shape, values.iter().map(|v| *v == "True").collect()),
        DType::I32 => Array::from_vec(
            shape,
            values.iter().map(|v| v.parse::<i32>().unwrap()).collect(),
        ),
        DType::I64 => Array::from_vec(
            shape,
            values.iter().map(|v| v.parse::<i64>().unwrap()).collect(),
        ),
        // An f32 value was written as the repr of its exact f64 value, so this cast is exact.
        DType::F32 => Array::from_vec(
            shape,
            values.iter().map(|v| parse_float(v) as f32).collect(),
        ),
        DType::F64 => Array::from_vec(shape, values.iter().map(|v| parse_float(v)).collect()),
        DType::C64 => Array::from_vec(
            shape,
            values
                .iter()
                .map(|v| {
                    let z = parse_complex(v);
                    Complex32::new(z.re as f32, z.im as f32)
                })
                .collect(),
        ),
        DType::C128 => Array::from_vec(shape, values.iter().map(|v| parse_complex(v)).collect()),
    }
}

fn cases() -> Vec<Case> {
    let text = include_str!("data/format/cases.txt");
    let mut out = Vec::new();
    for block in text.split("=== ").skip(1) {
        let (head, expected) = block.split_once("\n---\n").expect("a --- line");
        let mut lines = head.lines();
        let name = lines.next().unwrap().to_string();
        let (mut dtype, mut shape, mut values, mut arange) = (None, vec![], vec![], None);
        for line in lines {
            let mut words = line.split(' ');
            match words.next().unwrap() {
                "dtype" => dtype = DType::from_name(words.next().unwrap()),
                "shape" => shape = words.map(|w| w.parse().unwrap()).collect(),
                "values" => values = words.collect(),
                "arange" => {
                    let step = parse_float(words.next().unwrap());
                    arange = Some((step, parse_float(words.next().unwrap())));
                }
                other => panic!("{name}: unknown line {other:?}"),
            }
        }
        let array = build(dtype.expect("dtype line"), shape, &values, arange);
        let expected = expected.strip_suffix('\n').unwrap_or(expected).to_string();
        out.push(Case {
            name,
            array,
            expected,
        });
    }
    out
}

#[test]
fn format_matches_numpy_print() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let got = format_array(&case.array);
        if got != case.expected {
            failures.push(format!(
                "--- {}\nnumpy:\n{}\nours:\n{}",
                case.name, case.expected, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
