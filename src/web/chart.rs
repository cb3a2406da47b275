//! Charts drawn on the server as SVG with `plotters` (no JavaScript, no CDN): horizontal bars, one
//! per category, so that long labels stay readable on a phone. Every chart is shown beside its
//! table, which carries the same figures for screen readers and copying.

use plotters::prelude::*;

/// One bar: its label and its value, `None` when suppressed (drawn as an empty slot marked "—").
pub struct Bar {
    /// Category label.
    pub label: String,
    /// Value, or `None` when hidden.
    pub value: Option<f64>,
}

fn shorten(label: &str) -> String {
    let chars: Vec<char> = label.chars().collect();
    if chars.len() <= 30 {
        label.to_owned()
    } else {
        format!("{}…", chars[..29].iter().collect::<String>())
    }
}

/// An axis value as a whole number; nothing between whole numbers.
fn whole(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{x:.0}")
    } else {
        String::new()
    }
}

/// A horizontal bar chart as an SVG document (`title` on top), or `None` when there is nothing to
/// draw or drawing failed (logged; the table still carries the figures).
pub fn bars(title: &str, bars: &[Bar]) -> Option<String> {
    if bars.is_empty() {
        return None;
    }
    let max = bars
        .iter()
        .filter_map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    // Whole numbers on the axis: its end rounded up, a tick per unit up to ten ticks.
    let top = (max * 1.1).ceil();
    let ticks = (top as usize + 1).min(11);
    let height = 60 + 26 * u32::try_from(bars.len()).unwrap_or(40).min(60);
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (720, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let n = bars.len();
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .caption(title, ("sans-serif", 18))
            .x_label_area_size(28)
            .y_label_area_size(230)
            .build_cartesian_2d(0.0..top, (0..n).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => n
                    .checked_sub(1 + *i)
                    .and_then(|k| bars.get(k))
                    .map(|b| shorten(&b.label))
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_labels(ticks)
            .x_label_formatter(&whole)
            .label_style(("sans-serif", 15))
            .draw()?;
        let colour = RGBColor(11, 92, 173);
        // The first category on top: slot 0 is at the bottom of the axis.
        let slot = |i: usize| n.saturating_sub(1 + i);
        chart.draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
            b.value.map(|v| {
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(slot(i))),
                        (v, SegmentValue::Exact(slot(i) + 1)),
                    ],
                    colour.filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                bar
            })
        }))?;
        chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
            let text = b
                .value
                .map_or_else(|| "—".to_owned(), |v| format!("{v:.0}"));
            Text::new(
                text,
                (
                    b.value.unwrap_or(0.0) + max * 0.01,
                    SegmentValue::CenterOf(slot(i)),
                ),
                ("sans-serif", 12),
            )
        }))?;
        root.present()?;
        Ok(())
    })();
    match drawn {
        Ok(()) => Some(svg),
        Err(e) => {
            tracing::warn!(error = %e, "a chart could not be drawn");
            None
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_svg_with_its_labels_and_no_script() {
        let svg = bars(
            "Kasus",
            &[
                Bar {
                    label: "Fisik".into(),
                    value: Some(12.0),
                },
                Bar {
                    label: "Seksual".into(),
                    value: None,
                },
            ],
        )
        .unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("Fisik") && svg.contains("—"));
        assert!(!svg.contains("<script") && !svg.contains("style="));
        assert!(bars("empty", &[]).is_none());
        let one = bars(
            "Kasus",
            &[Bar {
                label: "Semua".into(),
                value: Some(1.0),
            }],
        )
        .unwrap();
        assert!(
            !one.contains(">0.") && !one.contains(">1.0<"),
            "whole-number ticks"
        );
    }
}
