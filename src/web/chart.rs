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

/// Height of one bar's slot, in pixels.
const SLOT: u32 = 32;
/// Pixels above and below a bar, inside its slot.
const BAR_GAP: u32 = 6;
/// Height of the caption, the axis and the margins, in pixels.
const CHROME: u32 = 80;
/// Width of the drawing: narrow enough that, scaled to a 360 px phone, its words stay readable.
const WIDTH: u32 = 520;
/// Width of the category labels (shortened to 24 characters).
const LABELS: u32 = 180;

/// `label` cut to `at most` characters (the last one an ellipsis).
fn shorten(label: &str, at_most: usize) -> String {
    let chars: Vec<char> = label.chars().collect();
    if chars.len() <= at_most {
        label.to_owned()
    } else {
        let kept: String = chars[..at_most.saturating_sub(1)].iter().collect();
        format!("{kept}…")
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

/// The largest value (at least 1), the axis's end and its number of ticks: whole numbers, the end
/// rounded up, a tick per unit up to ten ticks.
fn axis(bars: &[Bar]) -> (f64, f64, usize) {
    let max = bars
        .iter()
        .filter_map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let top = (max * 1.1).ceil();
    (max, top, (top as usize + 1).min(11))
}

/// A horizontal bar chart as an SVG document (`title` on top), or `None` when there is nothing to
/// draw or drawing failed (logged; the table still carries the figures).
pub fn bars(title: &str, bars: &[Bar]) -> Option<String> {
    if bars.is_empty() {
        return None;
    }
    let (max, top, ticks) = axis(bars);
    // A fixed slot per bar (the axis keeps one empty slot above the first): a single bar is as
    // tall as one of many, never squeezed to nothing by the caption and the axis.
    let height = CHROME + SLOT * (u32::try_from(bars.len()).unwrap_or(60).min(60) + 1);
    let mut svg = String::new();
    let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let n = bars.len();
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .caption(shorten(title, 72), ("sans-serif", 16))
            .x_label_area_size(28)
            .y_label_area_size(LABELS)
            .build_cartesian_2d(0.0..top, (0..n).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => n
                    .checked_sub(1 + *i)
                    .and_then(|k| bars.get(k))
                    .map(|b| shorten(&b.label, 24))
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_labels(ticks)
            .x_label_formatter(&whole)
            .label_style(("sans-serif", 21))
            .draw()?;
        let colour = RGBColor(11, 92, 173);
        // The first category on top: slot 0 is at the bottom of the axis.
        let slot = |i: usize| n.saturating_sub(1 + i);
        // A value above zero is at least a sliver wide, however large the largest.
        let sliver = top / 200.0;
        chart.draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
            b.value.filter(|v| *v > 0.0).map(|v| {
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(slot(i))),
                        (v.max(sliver), SegmentValue::Exact(slot(i) + 1)),
                    ],
                    colour.filled(),
                );
                bar.set_margin(BAR_GAP, BAR_GAP, 0, 0);
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
                ("sans-serif", 17),
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

    /// The `(width, height)` of every bar drawn (the chart's colour), in order.
    fn drawn_bars(svg: &str) -> Vec<(f64, f64)> {
        let number = |tag: &str, name: &str| -> f64 {
            let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            let rest = &tag[start..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        };
        svg.split("<rect")
            .skip(1)
            .map(|tag| &tag[..tag.find('>').unwrap()])
            .filter(|tag| tag.contains("fill=\"#0B5CAD\""))
            .map(|tag| (number(tag, "width"), number(tag, "height")))
            .collect()
    }

    /// The numbers written along the value axis (centred texts after the caption).
    fn axis_ticks(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(2)
            .filter(|tag| tag.contains("text-anchor=\"middle\""))
            .filter_map(|tag| {
                let body = &tag[tag.find('>')? + 1..tag.find("</text>")?];
                Some(body.trim().to_owned())
            })
            .filter(|text| !text.is_empty())
            .collect()
    }

    #[test]
    fn every_value_above_zero_is_a_bar_with_height_and_width() {
        let one = bars("Semua kasus", &[bar("Semua", 1.0)]).unwrap();
        let drawn = drawn_bars(&one);
        assert_eq!(drawn.len(), 1, "{one}");
        assert!(drawn[0].0 > 0.0 && drawn[0].1 > 8.0, "{drawn:?}");
        let months: Vec<Bar> = (1..=12)
            .map(|m| bar(&format!("{m:02}/2026"), f64::from(m % 4)))
            .chain([bar("Banyak", 1000.0), bar("Sedikit", 1.0)])
            .collect();
        let svg = bars("Per bulan", &months).unwrap();
        let drawn = drawn_bars(&svg);
        let above_zero = months.iter().filter(|b| b.value > Some(0.0)).count();
        assert_eq!(drawn.len(), above_zero);
        for (width, height) in drawn {
            assert!(width >= 1.0 && height > 8.0, "{width} × {height}");
        }
    }

    #[test]
    fn the_axis_reads_distinct_whole_numbers() {
        for max in [1.0, 2.0, 3.0, 7.0, 12.0, 480.0] {
            let svg = bars("Kasus", &[bar("A", max), bar("B", 1.0)]).unwrap();
            let ticks = axis_ticks(&svg);
            assert!(ticks.len() >= 2, "{max}: {ticks:?}");
            let numbers: Vec<i64> = ticks.iter().map(|t| t.parse().unwrap()).collect();
            let mut distinct = numbers.clone();
            distinct.dedup();
            assert_eq!(distinct, numbers, "{max}: {ticks:?}");
            assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{max}: {ticks:?}");
        }
    }

    fn bar(label: &str, value: f64) -> Bar {
        Bar {
            label: label.into(),
            value: Some(value),
        }
    }
}
