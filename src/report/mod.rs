//! What a run reports: metrics aggregated as the run goes, the row streams behind the CSV
//! files, summary.json and the human summary.

pub mod charts;
pub mod context;
pub mod files;
pub mod html;
pub mod human;
pub mod metrics;
pub mod notes;
pub mod relay;
pub mod rows;
pub mod series;
pub mod stats;
pub mod summary;
