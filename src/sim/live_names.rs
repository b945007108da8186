//! Trace pod names in use. A name has a serial while something holds it (a pod of that name
//! that has not ended, or the ENI kept for it in static IP mode) and is forgotten once nothing
//! does, so that a replay's memory follows what is alive, not every name the trace has seen.

use std::collections::HashMap;

/// Names in use and their serials.
#[derive(Debug, Default)]
pub(super) struct LiveNames {
    serial_of: HashMap<Box<str>, u32>,
    /// By serial: the name and how many hold it; `None` once forgotten.
    names: Vec<Option<(Box<str>, u32)>>,
    /// Serials of forgotten names, for the next new ones.
    free: Vec<u32>,
}

impl LiveNames {
    /// The serial of `name`, held once more. A name still in use keeps its serial, so that a
    /// pod created again under it finds the ENI kept for it.
    pub(super) fn hold_name(&mut self, name: &str) -> u32 {
        if let Some(&serial) = self.serial_of.get(name) {
            self.hold(serial);
            return serial;
        }
        let entry = Some((Box::from(name), 1));
        let serial = match self.free.pop() {
            Some(serial) => {
                self.names[serial as usize] = entry;
                serial
            }
            None => {
                self.names.push(entry);
                self.names.len() as u32 - 1
            }
        };
        self.serial_of.insert(Box::from(name), serial);
        serial
    }

    /// Holds the name of `serial` once more, if it is a name in use.
    pub(super) fn hold(&mut self, serial: u32) {
        if let Some(Some((_, holders))) = self.names.get_mut(serial as usize) {
            *holders += 1;
        }
    }

    /// Lets go of the name of `serial` once; it is forgotten when nothing holds it.
    pub(super) fn release(&mut self, serial: u32) {
        let Some(slot) = self.names.get_mut(serial as usize) else {
            return;
        };
        let Some((name, holders)) = slot.as_mut() else {
            return;
        };
        *holders -= 1;
        if *holders == 0 {
            self.serial_of.remove(name);
            *slot = None;
            self.free.push(serial);
        }
    }

    /// The name of `serial`, while it is in use.
    pub(super) fn name(&self, serial: u32) -> Option<&str> {
        let entry = self.names.get(serial as usize)?.as_ref();
        entry.map(|(name, _)| &**name)
    }

    /// Names in use.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.serial_of.len()
    }
}

#[cfg(test)]
mod tests {
    use super::LiveNames;

    #[test]
    fn a_name_keeps_its_serial_while_held_and_is_forgotten_after() {
        let mut names = LiveNames::default();
        let db = names.hold_name("db-0");
        let web = names.hold_name("web-0");
        assert_ne!(db, web);
        // The pod ends, but its kept ENI still holds the name: the next pod of that name gets
        // the same serial.
        names.hold(db);
        names.release(db);
        assert_eq!(names.hold_name("db-0"), db);
        names.release(db);
        names.release(db);
        assert_eq!(names.name(db), None, "nothing holds it");
        assert_eq!(names.len(), 1);
        // A new name takes the forgotten serial.
        assert_eq!(names.hold_name("api-0"), db);
        assert_eq!(names.name(db), Some("api-0"));
        assert_eq!(names.name(web), Some("web-0"));
        names.release(web);
        names.release(web);
        names.hold(web);
        assert_eq!(
            names.name(web),
            None,
            "a forgotten serial is not held again"
        );
    }
}
