//! A sweep's result folder, whole or one shard's, and the merge of shards into the whole.

use super::files::{self, ShardResult};
use super::outcome::Outcome;
use super::{Grid, RunRow, Shard};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Writes a whole sweep's files into `dir` and gives its outcome.
pub fn write_whole(dir: &Path, grid: &Grid, rows: &[RunRow]) -> io::Result<Outcome> {
    let outcome = Outcome::of(grid, rows);
    write_with(dir, "sweep.csv", |w| {
        files::write_runs(w, grid, &outcome.columns, rows)
    })?;
    write_with(dir, "variants.csv", |w| {
        files::write_variants(w, grid, &outcome)
    })?;
    let charts = super::charts::render(grid, &outcome)?;
    crate::report::charts::write_all(dir, &charts)?;
    fs::write(
        dir.join("report.html"),
        super::html::report_html(grid, &outcome, &charts),
    )?;
    fs::write(
        dir.join("sweep.json"),
        files::sweep_json(grid, &outcome, rows.len()),
    )?;
    Ok(outcome)
}

/// Writes one shard's share: its rows and the grid, for `sweep merge`.
pub fn write_shard(dir: &Path, grid: &Grid, shard: Shard, rows: &[RunRow]) -> io::Result<()> {
    let columns = Outcome::of(grid, rows).columns;
    write_with(dir, "sweep.csv", |w| {
        files::write_runs(w, grid, &columns, rows)
    })?;
    fs::write(
        dir.join("sweep.json"),
        files::shard_json(grid, shard, rows.len()),
    )
}

fn write_with(
    dir: &Path,
    name: &str,
    f: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(dir.join(name))?);
    f(&mut w)?;
    w.flush()
}

/// Joins the shards of one sweep into its grid and every row in run order. Refuses shards of
/// different sweeps, a shard given twice, and missing shards, naming them.
pub fn merge(shards: Vec<(String, ShardResult)>) -> Result<(Grid, Vec<RunRow>), String> {
    let Some((first_dir, first)) = shards.first() else {
        return Err("no shard folders given".into());
    };
    let n = first.shard.n;
    let mut seen: Vec<Option<&str>> = vec![None; n as usize];
    for (dir, s) in &shards {
        if s.sweep_id != first.sweep_id {
            return Err(format!(
                "{dir} is a shard of another sweep than {first_dir} (sweep_id {} vs {})",
                s.sweep_id, first.sweep_id
            ));
        }
        if s.shard.n != n || s.shard.k == 0 || s.shard.k > n {
            return Err(format!(
                "{dir} is shard {}/{}, {first_dir} is one of {n}",
                s.shard.k, s.shard.n
            ));
        }
        if let Some(other) = seen[s.shard.k as usize - 1] {
            return Err(format!(
                "{dir} and {other} are both shard {}/{n}",
                s.shard.k
            ));
        }
        seen[s.shard.k as usize - 1] = Some(dir);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(k, _)| format!("{}/{n}", k + 1))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing shard(s) {}", missing.join(", ")));
    }
    let grid = first.grid.clone();
    let mut rows: Vec<RunRow> = shards.into_iter().flat_map(|(_, s)| s.rows).collect();
    rows.sort_by_key(|r| grid.run_index(r.variant, r.seed));
    Ok((grid, rows))
}
