//! The thread pools that commands running many independent simulations (swarm, sweep,
//! compare, baseline) run them on: one pool of `--jobs` threads per command, results collected
//! in input order so that outputs never depend on the number of threads.

use crate::error::InputError;

/// A pool of `jobs` threads (at least one); a pool the system refuses is blamed on `--jobs`.
pub fn thread_pool(jobs: usize) -> Result<rayon::ThreadPool, InputError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| InputError::new("--jobs", e.to_string()))
}
