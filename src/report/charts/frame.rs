//! The frame every chart shares: the title on top, the legend in a column on the right where
//! it can never cover data, the plot left of it; and the chart that says in a sentence that
//! there is nothing to draw.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Every chart's width in pixels (it scales down with the page).
pub(crate) const WIDTH: u32 = 900;
/// The legend column's width.
const LEGEND_WIDTH: u32 = 200;
/// Characters of a legend label per line (13 px sans-serif is about 7 px a character).
const LEGEND_CHARS: usize = 24;
const TITLE: (&str, u32) = ("sans-serif", 18);
/// Tick labels.
pub(crate) const LABELS: (&str, u32) = ("sans-serif", 13);
/// Axis titles.
pub(crate) const DESC: (&str, u32) = ("sans-serif", 14);
const LEGEND: (&str, u32) = ("sans-serif", 13);
/// Text that explains rather than labels.
const NOTE_GREY: RGBColor = RGBColor(90, 90, 90);

/// A drawing area in pixels.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// A plotters error as text.
pub(crate) fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// How a legend entry shows its series.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled block (areas, bands, bars), at the opacity it is drawn with.
    Fill(RGBColor, f64),
    /// A dot.
    Dot(RGBColor),
}

/// One legend entry.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// The series' name.
    pub label: String,
    /// How it is drawn.
    pub swatch: Swatch,
}

/// Draws a chart `height` pixels high: the title, then `plot` in the area left of the
/// legend (the whole width when there is no legend). Returns the SVG document.
pub(crate) fn framed(
    title: &str,
    height: u32,
    legend: &[Entry],
    plot: impl FnOnce(&Area) -> Result<(), String>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let body = root.titled(title, TITLE).map_err(err)?;
        if legend.is_empty() {
            plot(&body)?;
        } else {
            let (left, right) = body.split_horizontally(WIDTH - LEGEND_WIDTH);
            plot(&left)?;
            draw_legend(&right, legend)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A chart with nothing to draw: its title and a sentence saying why, in a low frame where
/// the plot would be.
pub(crate) fn empty(title: &str, sentence: &str) -> Result<String, String> {
    framed(title, 150, &[], |area| {
        let (w, h) = area.dim_in_pixel();
        area.draw(&Rectangle::new(
            [(40, 10), (w as i32 - 40, h as i32 - 20)],
            RGBColor(200, 200, 200).stroke_width(1),
        ))
        .map_err(err)?;
        let style = ("sans-serif", 15)
            .into_font()
            .color(&NOTE_GREY)
            .pos(Pos::new(HPos::Center, VPos::Center));
        area.draw(&Text::new(
            sentence.to_string(),
            (w as i32 / 2, h as i32 / 2 - 5),
            style,
        ))
        .map_err(err)
    })
}

/// The legend entries one under the other, long labels wrapped.
fn draw_legend(area: &Area, entries: &[Entry]) -> Result<(), String> {
    let font = LEGEND
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let mut y = 24;
    for entry in entries {
        let (x0, x1) = (8, 32);
        match entry.swatch {
            Swatch::Line(c) => area
                .draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(3)))
                .map_err(err)?,
            Swatch::Dashed(c) => area
                .draw(&DashedPathElement::new(
                    vec![(x0, y), (x1, y)],
                    5,
                    3,
                    c.stroke_width(2),
                ))
                .map_err(err)?,
            Swatch::Fill(c, alpha) => area
                .draw(&Rectangle::new(
                    [(x0, y - 6), (x1, y + 6)],
                    c.mix(alpha).filled(),
                ))
                .map_err(err)?,
            Swatch::Dot(c) => area
                .draw(&Circle::new(((x0 + x1) / 2, y), 4, c.filled()))
                .map_err(err)?,
        }
        for line in wrap(&entry.label, LEGEND_CHARS) {
            area.draw(&Text::new(line, (x1 + 8, y), font.clone()))
                .map_err(err)?;
            y += 16;
        }
        y += 8;
    }
    Ok(())
}

/// `text` in lines of at most `width` characters, broken between words (a longer word
/// stays whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_labels_wrap_between_words() {
        assert_eq!(
            wrap("throttled (RequestLimitExceeded)", 24),
            ["throttled", "(RequestLimitExceeded)"]
        );
        assert_eq!(wrap("idle ENIs", 24), ["idle ENIs"]);
    }

    #[test]
    fn an_empty_chart_says_why() {
        let svg = empty("Pending pods", "Every pod was placed.").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("Every pod was placed."));
        assert!(svg.contains("Pending pods"));
    }
}
