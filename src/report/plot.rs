//! `arr bench --plot`: a grouped bar chart as SVG text, one group per `bench` block and one bar
//! per engine, its height the median time per run. The time axis is logarithmic when the times
//! span more than a factor of `LOG_SCALE_RATIO`, so a 10 µs bar stays visible beside a 100 ms one.

use super::human_time;
use crate::lower::{BenchResult, Engine};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Above this ratio of the largest time to the smallest, the time axis is logarithmic.
const LOG_SCALE_RATIO: f64 = 50.0;

/// Fraction of the group's width that its bars fill; the rest separates groups.
const GROUP_FILL: f64 = 0.8;

/// Each engine's colour, the same in every chart.
fn colour(engine: Engine) -> RGBColor {
    match engine {
        Engine::Fused => RGBColor(31, 119, 180),
        Engine::Unfused => RGBColor(255, 127, 14),
        Engine::Interp => RGBColor(127, 127, 127),
    }
}

/// The chart of `results` as an SVG document titled `title`.
pub fn svg(title: &str, results: &[BenchResult]) -> Result<String, String> {
    let medians: Vec<f64> = results
        .iter()
        .flat_map(|r| r.timings.iter().map(|t| t.median()))
        .filter(|&t| t.is_finite() && t > 0.0)
        .collect();
    let (lo, hi) = medians
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), &t| {
            (lo.min(t), hi.max(t))
        });
    let (lo, hi) = if medians.is_empty() {
        (1e-9, 1.0)
    } else {
        (lo, hi)
    };
    let modes = results.iter().map(|r| r.timings.len()).max().unwrap_or(1);
    let longest_name = results.iter().map(|r| r.name.chars().count()).max();
    let group_px = (modes * 56 + 24).max(longest_name.unwrap_or(0) * 8 + 16);
    let width = (140 + results.len().max(1) * group_px).max(720) as u32;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (width, 480)).into_drawing_area();
        if hi / lo > LOG_SCALE_RATIO {
            // The axis starts at a power of ten at least half a decade below the shortest bar,
            // and leaves room above the tallest for its label and the legend.
            let (a, b) = ((lo.log10() - 0.5).floor(), hi.log10());
            let top = 10f64.powf(b + 0.3 * (b - a).max(1.0));
            let y = (10f64.powf(a)..top).log_scale();
            draw(&root, title, results, y, "log scale")
        } else {
            draw(&root, title, results, 0.0..hi * 1.35, "linear scale")
        }
        .map_err(|e| format!("cannot draw the chart: {e}"))?;
        root.present()
            .map_err(|e| format!("cannot draw the chart: {e}"))?;
    }
    Ok(text)
}

type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

fn draw<Y>(
    root: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    title: &str,
    results: &[BenchResult],
    y_range: Y,
    scale: &str,
) -> DrawResult
where
    Y: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
    Y::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
{
    root.fill(&WHITE)?;
    let groups = results.len().max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(84)
        .build_cartesian_2d(0.0..groups, y_range)?;
    let y_base = chart.y_range().start;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(8)
        .y_label_formatter(&|v| axis_time(*v))
        .x_desc("bench block")
        .y_desc(format!("median time per run ({scale})"))
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .draw()?;

    // One series per engine, so the legend has one entry per engine.
    let mut engines: Vec<Engine> = Vec::new();
    for r in results {
        for t in &r.timings {
            if !engines.contains(&t.engine) {
                engines.push(t.engine);
            }
        }
    }
    let label_style =
        TextStyle::from(("sans-serif", 11).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    for &engine in &engines {
        let fill = colour(engine).filled();
        let bars = results.iter().enumerate().filter_map(|(g, r)| {
            let (slot, t) = r
                .timings
                .iter()
                .enumerate()
                .find(|(_, t)| t.engine == engine)?;
            let (x0, x1) = bar_span(g, slot, r.timings.len());
            Some(Rectangle::new([(x0, y_base), (x1, t.median())], fill))
        });
        chart
            .draw_series(bars)?
            .label(engine.name())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], fill));
    }
    // Each bar's time above it.
    let labels = results.iter().enumerate().flat_map(|(g, r)| {
        let n = r.timings.len();
        let style = label_style.clone();
        r.timings.iter().enumerate().map(move |(slot, t)| {
            let (x0, x1) = bar_span(g, slot, n);
            EmptyElement::at(((x0 + x1) / 2.0, t.median()))
                + Text::new(human_time(t.median()), (0, -3), style.clone())
        })
    });
    chart.draw_series(labels)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()?;

    // The blocks' names under their groups, on the x axis.
    let name_style =
        TextStyle::from(("sans-serif", 14).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for (g, r) in results.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(g as f64 + 0.5, y_base));
        root.draw(&Text::new(r.name.clone(), (x, y + 8), name_style.clone()))?;
    }
    Ok(())
}

/// A time as an axis label: `human_time` without trailing zeros (`10 ms`, `2.5 µs`).
fn axis_time(seconds: f64) -> String {
    let text = human_time(seconds);
    match text.split_once(' ') {
        Some((number, unit)) if number.contains('.') => {
            format!(
                "{} {unit}",
                number.trim_end_matches('0').trim_end_matches('.')
            )
        }
        _ => text,
    }
}

/// The x extent of bar `slot` of `n` in group `group` (groups are one unit wide).
fn bar_span(group: usize, slot: usize, n: usize) -> (f64, f64) {
    let width = GROUP_FILL / n.max(1) as f64;
    let x0 = group as f64 + (1.0 - GROUP_FILL) / 2.0 + slot as f64 * width;
    (x0, x0 + width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;
    use crate::lower::Timing;

    fn result(name: &str, seconds: [f64; 3]) -> BenchResult {
        BenchResult {
            name: name.to_string(),
            span: Span::default(),
            timings: Engine::ALL
                .iter()
                .zip(seconds)
                .map(|(&engine, s)| Timing {
                    engine,
                    runs: vec![s],
                    first: s,
                    compile: 0.0,
                    device: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn chart_names_every_block_and_engine() {
        for times in [[1e-3, 2e-3, 3e-3], [1e-6, 1e-3, 1.0]] {
            let svg = svg("t.arr", &[result("a < b", times), result("chain", times)]).unwrap();
            assert!(svg.starts_with("<svg"), "{svg}");
            for needle in ["a &lt; b", "chain", "fused", "unfused", "interp", "t.arr"] {
                assert!(svg.contains(needle), "no {needle} in the chart");
            }
            // Three bars per group, and the legend's three swatches.
            let bars = svg.matches("fill=\"#1F77B4\"").count();
            assert_eq!(bars, 3, "{svg}");
        }
    }

    #[test]
    fn axis_labels_drop_trailing_zeros() {
        assert_eq!(axis_time(10e-3), "10 ms");
        assert_eq!(axis_time(1.0), "1 s");
        assert_eq!(axis_time(2.5e-6), "2.5 µs");
        assert_eq!(axis_time(100e-9), "100 ns");
    }

    #[test]
    fn bars_fill_their_group_in_order() {
        let (a0, a1) = bar_span(2, 0, 3);
        let (b0, _) = bar_span(2, 1, 3);
        let (_, c1) = bar_span(2, 2, 3);
        assert!((a0 - 2.1).abs() < 1e-12 && (c1 - 2.9).abs() < 1e-12);
        assert!((a1 - b0).abs() < 1e-12);
    }
}
