//! The sweep's report.html: one self-contained page (inline style and charts, no scripts,
//! nothing fetched) with what was swept, the recommendation, the charts and every variant.

use super::charts::{caption, titled};
use super::metrics::KEY_METRICS;
use super::outcome::Outcome;
use super::Grid;
use crate::report::charts::axes::fmt_value;
use crate::report::charts::Chart;
use crate::report::html::{esc, figure, head, table};
use std::fmt::Write;
use std::io;

/// Beyond this many variants the table stops; variants.csv has them all.
const MAX_ROWS: usize = 2000;

const SWEEP_STYLE: &str = ".scroll{overflow-x:auto}table.all{font-size:.9em}table.all th,table.all td{padding:2px .7em;border-bottom:1px solid #eee}\
table.all thead th{color:#222;font-weight:bold;vertical-align:bottom}\
td{white-space:nowrap}tr.skip td{color:#999}td.why{text-align:left;white-space:normal}tr.rec td{background:#eef5fb}\
.ok{color:#176617}";

/// Writes the page for a sweep: its settings, the recommendation (or the closest miss), each
/// of `charts` with how to read it, and a table of every variant. Each chart is written into
/// the page as it comes, and may be dropped once it is.
pub fn write_report(
    w: &mut impl io::Write,
    grid: &Grid,
    outcome: &Outcome,
    charts: impl Iterator<Item = io::Result<Chart>>,
) -> io::Result<()> {
    let mut o = String::new();
    head(&mut o, &format!("enisim sweep: {}", grid.name), SWEEP_STYLE);
    let _ = writeln!(o, "<h1>enisim sweep: {}</h1>", esc(&grid.name));
    settings(&mut o, grid);
    verdict(&mut o, grid, outcome);
    w.write_all(o.as_bytes())?;
    for chart in charts {
        let chart = chart?;
        let mut block = String::new();
        let id = chart.file.trim_end_matches(".svg");
        figure(&mut block, id, &caption(grid, outcome, &chart), &chart.svg);
        w.write_all(block.as_bytes())?;
    }
    let mut o = String::new();
    variants(&mut o, grid, outcome);
    o.push_str("<p>Files: <a href=\"sweep.csv\">sweep.csv</a> (every run), <a href=\"variants.csv\">variants.csv</a> (every variant over its seeds), <a href=\"sweep.json\">sweep.json</a>, <a href=\"charts/\">charts/</a>.</p>\n</body></html>\n");
    w.write_all(o.as_bytes())
}

/// What was swept: the axes, seeds, targets and the minimized metric.
fn settings(o: &mut String, grid: &Grid) {
    let skipped = grid.variants.iter().filter(|v| v.skipped.is_some()).count();
    let seeds = grid.seeds();
    let _ = writeln!(
        o,
        "<p>{} variants ({skipped} skipped) &times; {seeds} seed(s): {} runs.</p>",
        grid.variants.len(),
        grid.variants.len() as u64 * seeds - skipped as u64 * seeds,
    );
    let mut rows: Vec<(&str, String)> = grid
        .settings
        .axes
        .iter()
        .map(|a| {
            let values: Vec<&str> = a.values.iter().map(|v| v.text.as_str()).collect();
            (a.key.as_str(), values.join(", "))
        })
        .collect();
    let last = grid.seed.wrapping_add(seeds - 1);
    rows.push(("seeds", format!("{} ({} to {last})", seeds, grid.seed)));
    if !grid.overrides.is_empty() {
        rows.push(("every variant with", grid.overrides.join(", ")));
    }
    let targets: Vec<String> = grid
        .settings
        .targets
        .iter()
        .map(|t| t.to_string())
        .collect();
    rows.push((
        "targets (every seed)",
        if targets.is_empty() {
            "none".to_string()
        } else {
            targets.join(" and ")
        },
    ));
    rows.push(("minimize", grid.minimize().to_string()));
    table(o, "Sweep", &rows);
}

/// The metrics the page shows per variant: the key metrics, and the minimized one.
fn shown(grid: &Grid) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = KEY_METRICS
        .iter()
        .map(|k| (k.metric.to_string(), titled(k.title, k.unit)))
        .collect();
    if !out.iter().any(|(m, _)| m == grid.minimize()) {
        out.push((grid.minimize().to_string(), grid.minimize().to_string()));
    }
    out
}

/// A variant's figure of `metric`: mean ± half the 95% interval (over more than one seed).
fn figure_text(outcome: &Outcome, variant: usize, metric: &str) -> String {
    match outcome.spread(variant, metric) {
        None => "&ndash;".to_string(),
        Some(s) if s.n > 1 => format!(
            "{} &plusmn; {}",
            fmt_value(s.mean),
            fmt_value((s.ci95.1 - s.ci95.0) / 2.0)
        ),
        Some(s) => fmt_value(s.mean),
    }
}

/// The recommendation and runner-up side by side, or the closest miss.
fn verdict(o: &mut String, grid: &Grid, outcome: &Outcome) {
    o.push_str("<section><h2>Recommendation</h2>\n");
    let columns: Vec<(&str, usize)> = match outcome.ranking[..] {
        [best, ..] => {
            let _ = writeln!(
                o,
                "<p class=\"ok\">Recommended: <b>{}</b>, the least {} of the {} variant(s) that meet every target in every seed.</p>",
                esc(&grid.variant_label(best)),
                esc(grid.minimize()),
                outcome.ranking.len()
            );
            let mut c = vec![("recommended", best)];
            c.extend(outcome.ranking.get(1).map(|&r| ("runner-up", r)));
            c
        }
        [] => match &outcome.closest_miss {
            Some(miss) => {
                let missed: Vec<String> = miss
                    .targets
                    .iter()
                    .map(|&(t, value, off)| {
                        format!(
                            "{} (worst seed {}, {:.0}% off)",
                            grid.settings.targets[t],
                            fmt_value(value),
                            off * 100.0
                        )
                    })
                    .collect();
                let _ = writeln!(
                    o,
                    "<p class=\"bad\">No variant meets every target in every seed. Closest: <b>{}</b>, which misses {}.</p>",
                    esc(&grid.variant_label(miss.variant)),
                    esc(&missed.join(" and "))
                );
                vec![("closest miss", miss.variant)]
            }
            None => {
                o.push_str("<p class=\"bad\">No variant ran cleanly in every seed: none to recommend.</p></section>\n");
                return;
            }
        },
    };
    o.push_str("<table class=\"all\"><thead><tr><th></th>");
    for (name, v) in &columns {
        let _ = write!(o, "<th>{name}<br>{}</th>", esc(&grid.variant_label(*v)));
    }
    o.push_str("</tr></thead>\n");
    for (metric, title) in shown(grid) {
        let _ = write!(o, "<tr><th>{}</th>", esc(&title));
        for (_, v) in &columns {
            let _ = write!(o, "<td>{}</td>", figure_text(outcome, *v, &metric));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</table></section>\n");
}

/// Every variant: its values, whether it meets the targets, its figures.
fn variants(o: &mut String, grid: &Grid, outcome: &Outcome) {
    let axes = &grid.settings.axes;
    let shown = shown(grid);
    let seeds = grid.seeds();
    let spread = if seeds > 1 {
        format!(", mean &plusmn; half the 95% interval over {seeds} seeds")
    } else {
        String::new()
    };
    let _ = write!(
        o,
        "<section><h2>All variants{spread}</h2><div class=\"scroll\"><table class=\"all\"><thead><tr><th>#</th>"
    );
    for a in axes {
        let _ = write!(o, "<th>{}</th>", esc(&a.key));
    }
    o.push_str("<th>meets targets</th>");
    for (_, title) in &shown {
        let _ = write!(o, "<th>{}</th>", esc(title));
    }
    o.push_str("</tr></thead>\n");
    for (i, v) in grid.variants.iter().enumerate().take(MAX_ROWS) {
        let class = if outcome.ranking.first() == Some(&i) {
            " class=\"rec\""
        } else if v.skipped.is_some() {
            " class=\"skip\""
        } else {
            ""
        };
        let _ = write!(o, "<tr{class}><td>{i}</td>");
        for (a, &c) in axes.iter().zip(&v.choice) {
            let _ = write!(o, "<td>{}</td>", esc(&a.values[c].text));
        }
        if let Some(why) = &v.skipped {
            let _ = writeln!(
                o,
                "<td class=\"why\" colspan=\"{}\">skipped: {}</td></tr>",
                shown.len() + 1,
                esc(why)
            );
            continue;
        }
        let meets = outcome.variants[i].meets;
        let _ = write!(o, "<td>{}</td>", if meets { "yes" } else { "no" });
        for (metric, _) in &shown {
            let _ = write!(o, "<td>{}</td>", figure_text(outcome, i, metric));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</table></div>");
    if grid.variants.len() > MAX_ROWS {
        let _ = write!(
            o,
            "<p>The first {MAX_ROWS} of {} variants; variants.csv has them all.</p>",
            grid.variants.len()
        );
    }
    o.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::charts::tests::{all, grid, outcome, plain};
    use crate::sweep::outcome::Miss;
    use crate::sweep::target::Target;

    /// The page of a sweep with `charts`.
    fn report_html(grid: &Grid, outcome: &Outcome, charts: &[Chart]) -> String {
        let mut page = Vec::new();
        let charts = charts.iter().map(|c| {
            Ok(Chart {
                file: c.file.clone(),
                title: c.title,
                svg: c.svg.clone(),
            })
        });
        write_report(&mut page, grid, outcome, charts).unwrap();
        String::from_utf8(page).unwrap()
    }

    #[test]
    fn the_page_holds_the_recommendation_every_chart_and_every_variant() {
        let g = grid(&["policy.min_warm=0..2", "policy.max_warm=1,2"], 2, &[4]);
        let o = outcome(
            &g,
            |i| vec![("startup_latency_s.p99", vec![4.0, 6.0 + i as f64])],
            vec![3, 1],
        );
        let charts = all(&g, &o);
        let page = report_html(&g, &o, &charts);
        for expected in [
            "<h1>enisim sweep: tune</h1>",
            "6 variants (1 skipped) &times; 2 seed(s): 10 runs.",
            "<th>policy.max_warm</th><td>1, 2</td>",
            "<th>seeds</th><td>2 (7 to 8)</td>",
            "Recommended: <b>min_warm=1,max_warm=2</b>",
            "<th>recommended<br>min_warm=1,max_warm=2</th><th>runner-up<br>min_warm=0,max_warm=2</th>",
            // Variant 3 over seeds 4 and 9: mean 6.5, half-interval 12.706 x 2.5 = 31.8.
            "<td>6.5 &plusmn; 31.8</td>",
            "skipped: min_warm &gt; max_warm",
        ] {
            assert!(page.contains(expected), "{expected} not in the page");
        }
        for c in &charts {
            assert!(page.contains(&c.svg), "{}", c.file);
        }
        assert!(page.contains("darker is higher, the outlined cell is the recommendation"));
        for fetched in ["<script", "<link", "src=", "url(", "@import"] {
            assert!(!page.contains(fetched), "{fetched}");
        }
        assert_eq!(page, report_html(&g, &o, &charts));
    }

    #[test]
    fn with_nothing_meeting_the_targets_the_page_names_the_closest_miss() {
        let mut g = grid(&["policy.min_warm=0..2"], 1, &[]);
        g.settings.targets = vec![Target::parse("startup_latency_s.p99<=5").unwrap()];
        let mut o = outcome(&g, plain, vec![]);
        o.closest_miss = Some(Miss {
            variant: 0,
            targets: vec![(0, 10.0, 1.0)],
        });
        let page = report_html(&g, &o, &all(&g, &o));
        assert!(
            page.contains(
                "Closest: <b>min_warm=0</b>, which misses startup_latency_s.p99&lt;=5 (worst seed 10, 100% off)."
            ),
            "{page}"
        );
        assert!(page.contains("<th>closest miss<br>min_warm=0</th>"));
        assert!(page.contains("<th>targets (every seed)</th><td>startup_latency_s.p99&lt;=5</td>"));
    }
}
