//! What `arr bench` prints: a table for people, JSON for programs, and (in `plot`) a chart.

use crate::lower::{BenchResult, Engine};
use crate::text::human_time;
use serde::Serialize;

pub mod plot;

/// A table that `arr bench` prints one block at a time, as each is measured, with columns as
/// wide as the longest name of all the blocks it will hold.
pub struct Table {
    name_width: usize,
    /// Whether to show fused's speedup over the other engines (only when fused was measured).
    speedup: bool,
    /// Whether to show where a GPU's time went: kernels, and copies each way.
    device: bool,
}

const TIME_WIDTH: usize = 9;

impl Table {
    pub fn new(names: &[String], engines: &[Engine]) -> Table {
        let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        Table {
            name_width: longest.max("bench".len()),
            speedup: engines.contains(&Engine::Fused) && engines.len() > 1,
            device: false,
        }
    }

    /// The same table with GPU columns: the median device time of the kernels (CUDA events)
    /// and of the copies to (`h2d`) and from (`d2h`) the device, per run.
    pub fn with_device_columns(mut self) -> Table {
        self.device = true;
        self
    }

    /// The header line.
    pub fn header(&self) -> String {
        let mut line = format!(
            "{:<nw$}  {:<7}  {:>tw$}  {:>tw$}  {:>tw$}  {:>5}",
            "bench",
            "mode",
            "median",
            "min",
            "compile",
            "runs",
            nw = self.name_width,
            tw = TIME_WIDTH,
        );
        if self.device {
            line.push_str(&format!(
                "  {:>tw$}  {:>tw$}  {:>tw$}",
                "kernels",
                "h2d",
                "d2h",
                tw = TIME_WIDTH
            ));
        }
        if self.speedup {
            line.push_str("  fused speedup");
        }
        line.push('\n');
        line
    }

    /// The lines of one block: one per engine, the block's name on the first.
    pub fn rows(&self, result: &BenchResult) -> String {
        let fused = result.timing(Engine::Fused).map(|t| t.median());
        let mut text = String::new();
        for (i, t) in result.timings.iter().enumerate() {
            let name = if i == 0 { result.name.as_str() } else { "" };
            let compile = match t.engine {
                Engine::Interp => "-".to_string(),
                Engine::Fused | Engine::Unfused => human_time(t.compile),
            };
            let mut line = format!(
                "{:<nw$}  {:<7}  {:>tw$}  {:>tw$}  {:>tw$}  {:>5}",
                name,
                t.engine.name(),
                human_time(t.median()),
                human_time(t.min()),
                compile,
                t.runs.len(),
                nw = self.name_width,
                tw = TIME_WIDTH,
            );
            if self.device {
                let cols = match t.device_median() {
                    Some(d) => [d.kernel, d.h2d, d.d2h].map(human_time),
                    None => ["-", "-", "-"].map(String::from),
                };
                line.push_str(&format!(
                    "  {:>tw$}  {:>tw$}  {:>tw$}",
                    cols[0],
                    cols[1],
                    cols[2],
                    tw = TIME_WIDTH
                ));
            }
            if self.speedup
                && t.engine != Engine::Fused
                && let Some(f) = fused.filter(|&f| f > 0.0)
            {
                line.push_str(&format!("  {:>13}", format!("{:.2}x", t.median() / f)));
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}

/// One engine's measurements of one block, as `--json` writes them.
#[derive(Serialize)]
struct JsonBench<'a> {
    name: &'a str,
    mode: &'static str,
    device: &'a str,
    median_s: f64,
    min_s: f64,
    compile_s: f64,
    runs: usize,
    /// On a GPU: medians per run of the kernels' device time and of the copies.
    #[serde(skip_serializing_if = "Option::is_none")]
    kernel_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    h2d_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    d2h_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    h2d_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    d2h_bytes: Option<u64>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    benches: Vec<JsonBench<'a>>,
}

/// `{"benches": [{"name", "mode", "device", "median_s", "min_s", "compile_s", "runs"}, …]}`,
/// one entry per block and engine, pretty-printed, with a final newline. Engines that ran on
/// a GPU add `kernel_s`, `h2d_s`, `d2h_s`, `h2d_bytes` and `d2h_bytes` (medians per run).
pub fn json(results: &[BenchResult], device: &str) -> String {
    let benches = results
        .iter()
        .flat_map(|r| {
            r.timings.iter().map(|t| {
                let d = t.device_median();
                JsonBench {
                    name: &r.name,
                    mode: t.engine.name(),
                    // The interpreter runs on the CPU whatever the device.
                    device: if t.engine == Engine::Interp {
                        "cpu"
                    } else {
                        device
                    },
                    median_s: t.median(),
                    min_s: t.min(),
                    compile_s: t.compile,
                    runs: t.runs.len(),
                    kernel_s: d.map(|d| d.kernel),
                    h2d_s: d.map(|d| d.h2d),
                    d2h_s: d.map(|d| d.d2h),
                    h2d_bytes: d.map(|d| d.h2d_bytes),
                    d2h_bytes: d.map(|d| d.d2h_bytes),
                }
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&JsonReport { benches })
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;
    use crate::lower::Timing;

    fn result() -> BenchResult {
        let t = |engine, s: f64| Timing {
            engine,
            runs: vec![s, s * 1.5, s * 2.0],
            first: s * 10.0,
            compile: if engine == Engine::Interp { 0.0 } else { 1e-3 },
            device: Vec::new(),
        };
        BenchResult {
            name: "chain".to_string(),
            span: Span::default(),
            timings: vec![
                t(Engine::Fused, 1e-3),
                t(Engine::Unfused, 3e-3),
                t(Engine::Interp, 10e-3),
            ],
        }
    }

    #[test]
    fn table_rows_show_speedups_over_the_other_engines() {
        let table = Table::new(&["chain".to_string()], &Engine::ALL);
        let text = format!("{}{}", table.header(), table.rows(&result()));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[0].starts_with("bench  mode"), "{text}");
        assert!(lines[0].ends_with("fused speedup"), "{text}");
        assert!(lines[1].starts_with("chain  fused"), "{text}");
        assert!(lines[1].ends_with("    3"), "{text}");
        assert!(
            lines[2].contains("4.50 ms") && lines[2].ends_with("3.00x"),
            "{text}"
        );
        assert!(
            lines[3].contains(" - ") && lines[3].ends_with("10.00x"),
            "{text}"
        );
    }

    #[test]
    fn json_has_one_entry_per_engine() {
        let v: serde_json::Value = serde_json::from_str(&json(&[result()], "cpu")).unwrap();
        let benches = v["benches"].as_array().unwrap();
        assert_eq!(benches.len(), 3);
        assert_eq!(benches[1]["mode"], "unfused");
        assert_eq!(benches[1]["device"], "cpu");
        assert_eq!(benches[1]["runs"], 3);
        let median = benches[1]["median_s"].as_f64().unwrap();
        assert!((median - 4.5e-3).abs() < 1e-15, "{median}");
        assert_eq!(benches[1]["min_s"], 3e-3);
    }
}
