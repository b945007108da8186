//! Dense pod keys, shared by every source so they all number pods the same way.

use crate::error::InputError;

/// Hands out 0, 1, 2, ... and reports bad input instead of wrapping when a source would create
/// more pods than a `u32` can name.
#[derive(Clone, Debug, Default)]
pub(crate) struct Keys {
    next: u32,
}

impl Keys {
    /// The next key; `source` names the workload or trace in the error.
    pub(crate) fn next(&mut self, source: &str) -> Result<u32, InputError> {
        let key = self.next;
        self.next = key.checked_add(1).ok_or_else(|| {
            InputError::new(source, format!("creates more than {} pods", u32::MAX - 1))
                .with_hint("lower the arrival rate, the burst counts or the trace's `limit`")
        })?;
        Ok(key)
    }
}
