//! A run publishes the virtual time it has reached, for a progress line, without changing
//! what it does.

mod common;
use enisim::sim::{Progress, RunOptions};

#[test]
fn a_run_publishes_its_progress_and_behaves_the_same() {
    static REACHED: Progress = Progress::new();
    let text = std::fs::read_to_string("scenarios/quickstart.toml").unwrap();
    let (plain, _) = common::run(&text);
    assert_eq!(REACHED.reached().as_millis(), 0);
    let options = RunOptions {
        check: false,
        progress: Some(&REACHED),
    };
    let (watched, _) = common::run_with(&text, &[], options);
    assert_eq!(REACHED.reached().as_millis(), 6 * 3_600_000, "the whole 6h");
    assert_eq!(watched.fingerprint, plain.fingerprint);
    assert_eq!(watched.to_json(), plain.to_json());
}
