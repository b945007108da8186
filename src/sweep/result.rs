//! A sweep's result folder, whole or one shard's, written as the rows come in run order; and
//! the merge of shards, read back row by row, into the whole.

use super::files::{self, RunsCsv, ShardFile, VariantsCsv};
use super::outcome::{Outcome, Tally};
use super::{Grid, RunRow, Shard};
use crate::report::charts::write_all;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The files of a whole sweep being written: each run's row of sweep.csv as it comes, each
/// variant's row of variants.csv once its last seed is in; charts, report.html and sweep.json
/// at the end from what is kept of each variant.
pub struct Whole<'g> {
    dir: PathBuf,
    grid: &'g Grid,
    runs: RunsCsv<BufWriter<File>>,
    variants: VariantsCsv<BufWriter<File>>,
    tally: Tally,
    outcome: Outcome,
    order: RunOrder,
}

/// Rows come in run order, each run once.
#[derive(Default)]
struct RunOrder {
    last: Option<u64>,
    count: usize,
}

impl RunOrder {
    fn take(&mut self, grid: &Grid, row: &RunRow) -> io::Result<()> {
        let index = grid.run_index(row.variant, row.seed);
        if row.variant >= grid.variants.len() || self.last.is_some_and(|last| index <= last) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("run {index} out of run order"),
            ));
        }
        self.last = Some(index);
        self.count += 1;
        Ok(())
    }
}

fn create(dir: &Path, name: &str) -> io::Result<BufWriter<File>> {
    File::create(dir.join(name)).map(BufWriter::new)
}

impl<'g> Whole<'g> {
    /// Starts the files of `grid`'s sweep, with metric `columns`, in `dir`.
    pub fn create(dir: &Path, grid: &'g Grid, columns: &[String]) -> io::Result<Whole<'g>> {
        Ok(Whole {
            dir: dir.to_path_buf(),
            grid,
            runs: RunsCsv::new(create(dir, "sweep.csv")?, grid, columns)?,
            variants: VariantsCsv::new(create(dir, "variants.csv")?, grid, columns)?,
            tally: Tally::new(grid, columns),
            outcome: Outcome::new(grid),
            order: RunOrder::default(),
        })
    }

    /// Writes the next run's row, and the rows of the variants before it.
    pub fn push(&mut self, row: RunRow) -> io::Result<()> {
        self.order.take(self.grid, &row)?;
        self.close_until(row.variant)?;
        self.runs.row(self.grid, &row)?;
        self.tally.add(self.grid, &row);
        Ok(())
    }

    /// Writes the rows of variants.csv up to (not including) `variant`.
    fn close_until(&mut self, variant: usize) -> io::Result<()> {
        while self.outcome.variants.len() < variant {
            let i = self.outcome.variants.len();
            let spreads = self.tally.finish(self.grid, &mut self.outcome);
            self.variants
                .row(self.grid, i, &self.outcome.variants[i], &spreads)?;
        }
        Ok(())
    }

    /// Ends the sweep: the last variants, the charts, report.html and sweep.json.
    pub fn finish(mut self) -> io::Result<Outcome> {
        let grid = self.grid;
        self.close_until(grid.variants.len())?;
        self.runs.finish()?;
        self.variants.finish()?;
        let mut outcome = self.outcome;
        outcome.rank(grid);
        let dir = &self.dir;
        // Each chart is written to its file and into the page, then dropped.
        let charts = super::charts::render(grid, &outcome).map(|chart| {
            let chart = chart?;
            write_all(dir, std::slice::from_ref(&chart))?;
            Ok(chart)
        });
        let mut page = create(dir, "report.html")?;
        super::html::write_report(&mut page, grid, &outcome, charts)?;
        page.flush()?;
        let mut json = create(dir, "sweep.json")?;
        files::write_sweep_json(&mut json, grid, &outcome, self.order.count)?;
        json.flush()?;
        Ok(outcome)
    }
}

/// The files of one shard's share being written: its rows, and the grid for `sweep merge`.
pub struct ShardFiles<'g> {
    dir: PathBuf,
    grid: &'g Grid,
    shard: Shard,
    runs: RunsCsv<BufWriter<File>>,
    order: RunOrder,
}

impl<'g> ShardFiles<'g> {
    /// Starts the files of `shard` of `grid`'s sweep, with metric `columns`, in `dir`.
    pub fn create(
        dir: &Path,
        grid: &'g Grid,
        shard: Shard,
        columns: &[String],
    ) -> io::Result<ShardFiles<'g>> {
        Ok(ShardFiles {
            dir: dir.to_path_buf(),
            grid,
            shard,
            runs: RunsCsv::new(create(dir, "sweep.csv")?, grid, columns)?,
            order: RunOrder::default(),
        })
    }

    /// Writes the next run's row.
    pub fn push(&mut self, row: RunRow) -> io::Result<()> {
        self.order.take(self.grid, &row)?;
        self.runs.row(self.grid, &row)
    }

    /// Ends the share: sweep.json.
    pub fn finish(self) -> io::Result<()> {
        self.runs.finish()?;
        fs::write(
            self.dir.join("sweep.json"),
            files::shard_json(self.grid, self.shard, self.order.count),
        )
    }
}

/// The shards of one sweep, checked to be its every share once, read row by row in run order.
pub struct Shards {
    /// The sweep's grid.
    pub grid: Grid,
    /// Its metric columns.
    pub columns: Vec<String>,
    /// Each shard's file and its next row.
    shards: Vec<(ShardFile, Option<RunRow>)>,
}

impl Shards {
    /// Checks that `shards` are every share of one sweep, once each, naming those that are
    /// not.
    pub fn new(shards: Vec<(String, ShardFile)>) -> Result<Shards, String> {
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
            if s.columns != first.columns {
                return Err(format!(
                    "{dir}/sweep.csv has other metric columns than {first_dir}/sweep.csv (a scenario with other subnets?)"
                ));
            }
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
        let columns = first.columns.clone();
        let mut files = Vec::with_capacity(shards.len());
        for (_, mut file) in shards {
            let next = file.next().transpose()?;
            files.push((file, next));
        }
        Ok(Shards {
            grid,
            columns,
            shards: files,
        })
    }
}

impl Iterator for Shards {
    type Item = Result<RunRow, String>;

    /// The next run of the whole sweep: the earliest of the shards' next rows.
    fn next(&mut self) -> Option<Self::Item> {
        let grid = &self.grid;
        let (file, next) = self
            .shards
            .iter_mut()
            .filter(|(_, n)| n.is_some())
            .min_by_key(|(_, n)| n.as_ref().map(|r| grid.run_index(r.variant, r.seed)))?;
        let row = next.take()?;
        match file.next().transpose() {
            Ok(following) => *next = following,
            Err(e) => return Some(Err(e)),
        }
        Some(Ok(row))
    }
}
