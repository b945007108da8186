//! Vectors of world records (pods, ENIs, nodes, subnets) that note every record changed, so
//! that a checked run re-checks after each event only what the event touched.

use std::ops::Deref;

/// A vector of records whose only mutable access is [`Tracked::touch`], which notes the
/// record's index once tracking is on. Reading goes through the slice it derefs to.
#[derive(Debug)]
pub(super) struct Tracked<T> {
    items: Vec<T>,
    /// Indices touched since the last [`Tracked::take_touched`]; `None` while untracked, so an
    /// unchecked run pays one branch per change.
    touched: Option<Vec<u32>>,
}

impl<T> Tracked<T> {
    /// An untracked vector of `items`.
    pub(super) fn new(items: Vec<T>) -> Self {
        Tracked {
            items,
            touched: None,
        }
    }

    /// Notes every change from now on.
    pub(super) fn track(&mut self) {
        self.touched.get_or_insert_with(Vec::new);
    }

    /// The record at `i`, to change it.
    pub(super) fn touch(&mut self, i: usize) -> &mut T {
        if let Some(touched) = self.touched.as_mut() {
            touched.push(i as u32);
        }
        &mut self.items[i]
    }

    /// Appends a record and returns its index.
    pub(super) fn push(&mut self, item: T) -> usize {
        self.items.push(item);
        let i = self.items.len() - 1;
        if let Some(touched) = self.touched.as_mut() {
            touched.push(i as u32);
        }
        i
    }

    /// Moves the indices touched since the last call into `into` (in the order touched,
    /// repeats included).
    pub(super) fn take_touched(&mut self, into: &mut Vec<u32>) {
        if let Some(touched) = self.touched.as_mut() {
            into.append(touched);
        }
    }
}

impl<T> Deref for Tracked<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.items
    }
}

#[cfg(test)]
mod tests {
    use super::Tracked;

    #[test]
    fn changes_are_noted_only_once_tracking() {
        let mut v = Tracked::new(vec![10, 20]);
        *v.touch(0) += 1;
        v.track();
        *v.touch(1) += 1;
        assert_eq!(v.push(30), 2);
        *v.touch(1) += 1;
        let mut touched = Vec::new();
        v.take_touched(&mut touched);
        assert_eq!(touched, vec![1, 2, 1]);
        assert_eq!(&v[..], &[11, 22, 30]);
        v.take_touched(&mut touched);
        assert_eq!(touched.len(), 3, "nothing new was touched");
    }
}
