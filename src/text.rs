//! Numbers and shapes as messages and reports write them: `(3, 4)`, `8.0 TB`, `12.3 µs`. Every
//! layer may use this module; it uses nothing of the crate.

/// `(3, 4)` for messages, NumPy style: `(3,)` for one dimension, `()` for none.
pub fn shape_text(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A byte count in human units: `8.0 TB`, `512 B`.
pub fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value >= 1000.0 {
        format!("{:.1e} bytes", bytes as f64)
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `seconds` in the unit that keeps it between 1 and 1000, to three significant digits:
/// `812 ns`, `12.3 µs`, `1.25 ms`, `2.00 s`.
pub fn human_time(seconds: f64) -> String {
    if !seconds.is_finite() || seconds <= 0.0 {
        return "0 ns".to_string();
    }
    let (value, unit) = if seconds < 1e-6 {
        (seconds * 1e9, "ns")
    } else if seconds < 1e-3 {
        (seconds * 1e6, "µs")
    } else if seconds < 1.0 {
        (seconds * 1e3, "ms")
    } else {
        (seconds, "s")
    };
    // Rounding can carry into the next unit's range (999.7 µs): print it as the next unit.
    if value >= 999.5 && unit != "s" {
        return human_time(seconds * 1.001);
    }
    if value >= 99.95 {
        format!("{value:.0} {unit}")
    } else if value >= 9.995 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.2} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_human_units() {
        assert_eq!(human_time(0.0), "0 ns");
        assert_eq!(human_time(812e-9), "812 ns");
        assert_eq!(human_time(12.34e-6), "12.3 µs");
        assert_eq!(human_time(1.254e-3), "1.25 ms");
        assert_eq!(human_time(0.9999), "1.00 s");
        assert_eq!(human_time(999.8e-6), "1.00 ms");
        assert_eq!(human_time(2.0), "2.00 s");
        assert_eq!(human_time(150.0), "150 s");
    }

    #[test]
    fn shapes_and_sizes_read_as_numpy_and_people_write_them() {
        assert_eq!(shape_text(&[]), "()");
        assert_eq!(shape_text(&[3]), "(3,)");
        assert_eq!(shape_text(&[3, 4]), "(3, 4)");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(8_000_000_000_000), "8.0 TB");
    }
}
