//! SVG charts, drawn with plotters' SVG backend: text is laid out without font files, so
//! charts build and render the same on any machine, byte for byte.
//!
//! The parts any chart can use: [`axes`] (ticks and numbers in human units), [`downsample`]
//! (at most [`downsample::POINTS_PER_CHART`] points, peaks kept), [`frame`] (title, legend
//! column beside the plot, the "nothing to show" chart), [`timeline`] (lines, areas, bands
//! and stacks over time, alone or as small multiples) and [`distribution`] (CDFs and
//! histograms of durations). [`run`] is a run's set of charts.

pub(crate) mod axes;
pub mod distribution;
pub mod downsample;
pub(crate) mod frame;
pub mod run;
pub(crate) mod timeline;

pub(crate) use axes::time_scale;
pub use run::{render, Figure};

use plotters::style::RGBColor;
use std::fs;
use std::io;
use std::path::Path;

/// One chart, ready to write as `charts/<file>` or to inline in report.html.
pub struct Chart {
    /// File name under `charts/`.
    pub file: String,
    /// What it shows.
    pub title: &'static str,
    /// The SVG document.
    pub svg: String,
}

/// The palette every chart shares (matplotlib's defaults, told apart by most readers).
pub(crate) const BLUE_: RGBColor = RGBColor(31, 119, 180);
pub(crate) const ORANGE: RGBColor = RGBColor(255, 127, 14);
pub(crate) const GREEN_: RGBColor = RGBColor(44, 160, 44);
pub(crate) const RED_: RGBColor = RGBColor(214, 39, 40);
pub(crate) const PURPLE: RGBColor = RGBColor(148, 103, 189);
pub(crate) const BROWN: RGBColor = RGBColor(140, 86, 75);
pub(crate) const PINK: RGBColor = RGBColor(227, 119, 194);
pub(crate) const GREY: RGBColor = RGBColor(127, 127, 127);
pub(crate) const OLIVE: RGBColor = RGBColor(188, 189, 34);
pub(crate) const CYAN: RGBColor = RGBColor(23, 190, 207);

/// Writes `charts` as `charts/<file>` under `dir`: every command's charts go the same way.
pub fn write_all<'a>(dir: &Path, charts: impl IntoIterator<Item = &'a Chart>) -> io::Result<()> {
    let folder = dir.join("charts");
    fs::create_dir_all(&folder)?;
    for chart in charts {
        fs::write(folder.join(&chart.file), &chart.svg)?;
    }
    Ok(())
}
