//! A sweep's charts and report.html (placeholder until the charts land).

use super::outcome::Outcome;
use super::Grid;
use crate::report::charts::Chart;
use std::io;

/// The sweep's charts.
pub fn render(_grid: &Grid, _outcome: &Outcome) -> io::Result<Vec<Chart>> {
    Ok(Vec::new())
}

/// The sweep's report page.
pub fn report_html(grid: &Grid, _outcome: &Outcome, _charts: &[Chart]) -> String {
    format!("<!doctype html><title>{}</title>\n", grid.name)
}
