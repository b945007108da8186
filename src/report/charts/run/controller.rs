//! The ENI controller's charts (queue model only): its work queue, and the wait of its
//! oldest queued item.

use super::{figure, Figure, Run};
use crate::report::charts::timeline::{draw, Layer};
use crate::report::charts::{BLUE_, ORANGE, PURPLE, RED_};
use crate::report::notes::Section;
use crate::report::rows::{QueueSample, SampleRow};

/// A sample's queue figures (zeros where the model has no queue).
fn queue(r: &SampleRow) -> QueueSample {
    r.queue.unwrap_or_default()
}

/// `controller_queue.svg` and `controller_wait.svg`, when the run had a work queue.
pub(super) fn controller_charts(run: &Run) -> Result<Vec<Figure>, String> {
    if !run.s.samples.iter().any(|r| r.queue.is_some()) {
        return Ok(Vec::new());
    }
    let title = "ENI controller: work queue";
    let layers = vec![
        Layer::line(
            "waiting for a worker",
            ORANGE,
            run.column(|r| queue(r).depth.into()),
        ),
        Layer::line(
            "waiting out a requeue delay",
            RED_,
            run.column(|r| queue(r).backoff.into()),
        ),
        Layer::line(
            "workers busy",
            BLUE_,
            run.column(|r| queue(r).workers_busy.into()),
        ),
    ];
    let svg = draw(&run.counts(title, "items", layers))?;
    let caption = "The ENI controller's items waiting for a worker, waiting out a requeue delay \
        after a failed call, and its workers busy: every worker busy under a growing queue is the \
        controller as the bottleneck (controller.client_throttled_s says whether its client limit \
        or its workers bind).";
    let queue_figure = figure(
        Section::Api,
        "controller_queue.svg",
        title,
        svg,
        caption.into(),
    );
    let title = "ENI controller: the oldest queued item's wait";
    let layers = vec![Layer::line(
        "oldest item's wait",
        PURPLE,
        run.column(|r| queue(r).oldest_wait.as_secs_f64()),
    )];
    let svg = draw(&run.counts(title, "seconds", layers))?;
    let caption = "How long the oldest item in the controller's queue has waited for a worker: \
        the delay a change on a node sees before the controller acts on it.";
    let wait_figure = figure(
        Section::Api,
        "controller_wait.svg",
        title,
        svg,
        caption.into(),
    );
    Ok(vec![queue_figure, wait_figure])
}
