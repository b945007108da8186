//! Audit log files read line by line, plain or gzip (told by their first bytes, not their
//! names), and merged into one stream in time order.
//!
//! Each file is nearly in time order already (the API server writes an event when its stage
//! completes), rotated parts and several API servers' logs interleave. The merge keeps a
//! window: an event is passed on once every file still being read has reached a time at
//! least [`REORDER_WINDOW_US`] later, so memory holds only the events of that window,
//! whatever the size of the logs.
//!
//! A file is read in batches of lines, each batch parsed on the import's threads while the
//! next is read; the lines are then given out in file order, so the merge sees the same
//! lines whatever the number of threads. With more than one thread, each file is read and
//! parsed on a thread of its own, a batch ahead of the importer, so the importer's own work
//! overlaps the parsing; memory holds three batches per file.

use super::event::{read_line, Line, Reading, Unreadable};
use crate::error::InputError;
use crate::parallel::thread_pool;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

/// How far out of time order events of one file may be and still be put in order: 60 s.
pub const REORDER_WINDOW_US: i64 = 60_000_000;
/// Longest line read; an audit event of a pod is a few KiB at the `Request` level.
pub const MAX_LINE_BYTES: usize = 4 << 20;

/// A line read, where it came from.
pub struct Located {
    /// The line's event.
    pub line: Line,
    /// Index of its file in the order given.
    pub file: usize,
    /// Its 1-based line number.
    pub number: u64,
}

/// A line that could not be read, and where.
pub struct BadLine {
    /// The file, as given.
    pub file: PathBuf,
    /// Its 1-based line number.
    pub number: u64,
    /// Why.
    pub why: Unreadable,
}

impl BadLine {
    /// The located error for this line (exit code 2 unless `--lenient`).
    pub fn error(&self) -> InputError {
        let file = self.file.display().to_string();
        match &self.why {
            Unreadable::NotJson(message, column) => {
                InputError::new(file, format!("not a JSON audit event: {message}"))
                    .at(self.number as usize, *column)
                    .with_hint("an audit log has one audit.k8s.io/v1 Event object per line (the API server's --audit-log-format=json); --lenient skips lines that are not")
            }
            Unreadable::NotAuditEvent(what) => {
                InputError::new(file, format!("not an audit.k8s.io Event ({what})"))
                    .at(self.number as usize, 1)
                    .with_hint("give the API server's audit log (--audit-log-path), not kubectl output; --lenient skips such lines")
            }
        }
    }
}

/// A line of one file: its event and number, or why it is not one.
type ReadLine = Result<(Line, u64), BadLine>;

/// A line as parsed, before the stream names its file: its event or why it is not one, and
/// its number.
type Parsed = (Result<Line, Unreadable>, u64);

/// Bytes of raw lines read from one file at a time: 16 MiB over all the files, at most
/// 1 MiB and at least 64 KiB each.
fn batch_bytes(files: usize) -> usize {
    ((16 << 20) / files.max(1)).clamp(64 << 10, 1 << 20)
}

/// Raw lines read from a file, parsed together, possibly on several threads.
#[derive(Default)]
struct RawBatch {
    /// The lines' bytes, one after the other.
    text: Vec<u8>,
    /// Each line's end in `text` and its 1-based number.
    lines: Vec<(usize, u64)>,
    /// What stopped the reading, if not the batch size: the end of the file, or an error
    /// after the last line (a line too long, a failed read).
    end: Option<Result<(), InputError>>,
}

impl RawBatch {
    /// The lines of the batch parsed into `into`, in order, blank lines left out. On several
    /// threads when a pool is given: each line is parsed alone, so the result is the same.
    fn parse(
        &self,
        pool: Option<&rayon::ThreadPool>,
        reading: Reading,
        into: &mut VecDeque<Parsed>,
    ) {
        let one = |i: usize| {
            let start = if i == 0 { 0 } else { self.lines[i - 1].0 };
            let (end, number) = self.lines[i];
            parse_line(&self.text[start..end], reading).map(|line| (line, number))
        };
        match pool {
            Some(pool) => pool.install(|| {
                use rayon::prelude::*;
                into.par_extend(
                    (0..self.lines.len())
                        .into_par_iter()
                        .with_min_len(64)
                        .filter_map(one),
                )
            }),
            None => into.extend((0..self.lines.len()).filter_map(one)),
        }
    }
}

/// A line's event, or why it is not one; `None` for a blank line.
fn parse_line(bytes: &[u8], reading: Reading) -> Option<Result<Line, Unreadable>> {
    // Valid UTF-8 is borrowed as is; a line that is not is read as far as it is. (The check
    // with SIMD takes a fifth of the instructions of the standard library's on these lines.)
    let text = match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    };
    let text = text.trim();
    (!text.is_empty()).then(|| read_line(text, reading))
}

/// Reads one file's batches and parses them: each batch is parsed while the next is read.
struct Reader {
    path: PathBuf,
    reader: Option<Box<dyn BufRead + Send>>,
    /// Lines read from the file so far.
    number: u64,
    batch_bytes: usize,
    ahead: Option<RawBatch>,
    /// The start of a line cut at the end of the last batch read.
    tail: Vec<u8>,
    /// The last batch parsed, its buffers kept for the next one read (large buffers freed
    /// and allocated again cost more than their lines' parsing).
    spare: RawBatch,
    /// What the import keeps of a created pod's object.
    reading: Reading,
}

/// A batch's lines parsed; what ended the file after them, if anything did (its end or an
/// error); and the lines read from the file so far.
type ParsedBatch = (VecDeque<Parsed>, Option<Result<(), InputError>>, u64);

/// Where a file's parsed batches come from.
enum Source {
    /// Read and parsed on the importer's thread, when it runs on one.
    Inline(Box<Reader>),
    /// Read and parsed on a thread of their own (the parsing on the import's pool), which
    /// keeps a batch ready while the importer works through the last; the importer hands
    /// each emptied queue back for the next batch.
    Thread(Receiver<ParsedBatch>, SyncSender<VecDeque<Parsed>>),
}

/// One file being read: the lines of its batch parsed and waiting.
struct Stream {
    path: PathBuf,
    source: Source,
    /// Latest time of the lines given out.
    reached: Option<i64>,
    /// Lines read from the file so far.
    number: u64,
    done: bool,
    parsed: VecDeque<Parsed>,
    /// What ends the lines parsed: the end of the file or an error, once read.
    parsed_end: Option<Result<(), InputError>>,
}

impl Reader {
    fn open(path: &Path, batch_bytes: usize, reading: Reading) -> Result<Self, InputError> {
        let label = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| InputError::new(&label, e.to_string()))?;
        if !meta.is_file() {
            return Err(InputError::new(&label, "is not a regular file")
                .with_hint("give the audit log files themselves (plain or .gz)"));
        }
        let io = |e: std::io::Error| InputError::new(&label, e.to_string());
        let mut file = BufReader::with_capacity(1 << 16, File::open(path).map_err(io)?);
        // gzip is told by its magic bytes, whatever the file is called.
        let gzip = file.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
        let reader: Box<dyn BufRead + Send> = if gzip {
            Box::new(BufReader::with_capacity(
                1 << 16,
                flate2::read::MultiGzDecoder::new(file),
            ))
        } else {
            Box::new(file)
        };
        Ok(Reader {
            path: path.to_path_buf(),
            reader: Some(reader),
            number: 0,
            batch_bytes,
            ahead: None,
            tail: Vec::new(),
            spare: RawBatch::default(),
            reading,
        })
    }

    /// Reads the next batch of lines: about `batch_bytes`, up to the end of the file or an
    /// error (the reader is then dropped). The file is read in large blocks straight into
    /// the batch, split at its newlines; a line cut at the end of the batch begins the next.
    fn read_batch(&mut self) -> RawBatch {
        let mut batch = std::mem::take(&mut self.spare);
        batch.text.clear();
        batch.lines.clear();
        batch.end = None;
        let Some(reader) = self.reader.as_mut() else {
            batch.end = Some(Ok(()));
            return batch;
        };
        let path = &self.path;
        let too_long = |number: u64| {
            InputError::new(
                path.display().to_string(),
                format!("line longer than {} MiB", MAX_LINE_BYTES >> 20),
            )
            .at(number as usize, 1)
            .with_hint("an audit log has one event per line")
        };
        batch.text.append(&mut self.tail);
        // Start of the line being read, and how far the text was searched for newlines.
        let (mut start, mut searched) = (0, 0);
        loop {
            for newline in memchr::memchr_iter(b'\n', &batch.text[searched..]) {
                let end = searched + newline + 1;
                self.number += 1;
                if end - start > MAX_LINE_BYTES {
                    batch.end = Some(Err(too_long(self.number)));
                    break;
                }
                batch.lines.push((end, self.number));
                start = end;
            }
            if batch.end.is_some() {
                break;
            }
            searched = batch.text.len();
            if searched - start > MAX_LINE_BYTES {
                self.number += 1;
                batch.end = Some(Err(too_long(self.number)));
                break;
            }
            if searched >= self.batch_bytes && !batch.lines.is_empty() {
                break;
            }
            let want = self.batch_bytes.saturating_sub(searched).max(64 << 10);
            let read = (&mut *reader)
                .take(want as u64)
                .read_to_end(&mut batch.text);
            match read {
                Ok(0) => {
                    // The end of the file: what follows the last newline is a last line.
                    if start < searched {
                        self.number += 1;
                        batch.lines.push((searched, self.number));
                    }
                    batch.end = Some(Ok(()));
                    break;
                }
                Ok(_) => {}
                Err(e) => {
                    batch.end = Some(Err(InputError::new(
                        path.display().to_string(),
                        e.to_string(),
                    )
                    .at(self.number as usize + 1, 1)));
                    break;
                }
            }
        }
        match batch.end {
            Some(_) => {
                // Lines up to the error or the end; nothing after them is read.
                batch
                    .text
                    .truncate(start.max(batch.lines.last().map_or(0, |l| l.0)));
                self.reader = None;
            }
            None => {
                self.tail.extend_from_slice(&batch.text[start..]);
                batch.text.truncate(start);
            }
        }
        batch
    }

    /// The next batch parsed (the one read ahead, or read now if there is none), the one
    /// after it read meanwhile; `into` is an emptied queue to fill.
    fn next_batch(
        &mut self,
        pool: Option<&rayon::ThreadPool>,
        mut into: VecDeque<Parsed>,
    ) -> ParsedBatch {
        let mut batch = match self.ahead.take() {
            Some(b) => b,
            None => self.read_batch(),
        };
        self.ahead = match pool {
            Some(pool) if batch.end.is_none() => {
                let reading = self.reading;
                let ((), ahead) = pool.join(
                    || batch.parse(Some(pool), reading, &mut into),
                    || self.read_batch(),
                );
                Some(ahead)
            }
            _ => {
                batch.parse(pool, self.reading, &mut into);
                None
            }
        };
        let end = batch.end.take();
        self.spare = batch;
        (into, end, self.number)
    }

    /// Sends the file's batches, parsed on `pool`, until its end or an error, or until the
    /// importer stops taking them.
    fn produce(
        mut self,
        pool: &rayon::ThreadPool,
        to: SyncSender<ParsedBatch>,
        emptied: Receiver<VecDeque<Parsed>>,
    ) {
        loop {
            let into = emptied.try_recv().unwrap_or_default();
            let batch = self.next_batch(Some(pool), into);
            let last = batch.1.is_some();
            if to.send(batch).is_err() || last {
                return;
            }
        }
    }
}

impl Stream {
    /// Opens `path`, to be read on a thread of its own when a pool is given.
    fn open(
        path: &Path,
        batch_bytes: usize,
        pool: Option<&Arc<rayon::ThreadPool>>,
        reading: Reading,
    ) -> Result<Self, InputError> {
        let reader = Reader::open(path, batch_bytes, reading)?;
        let source = match pool {
            None => Source::Inline(Box::new(reader)),
            Some(pool) => {
                let pool = Arc::clone(pool);
                // One batch ready and one being made: memory stays bounded per file.
                let (to, from) = sync_channel(1);
                let (back, emptied) = sync_channel(2);
                std::thread::Builder::new()
                    .name("enisim-import".into())
                    .spawn(move || reader.produce(&pool, to, emptied))
                    .map_err(|e| InputError::new(path.display().to_string(), e.to_string()))?;
                Source::Thread(from, back)
            }
        };
        Ok(Stream {
            path: path.to_path_buf(),
            source,
            reached: None,
            number: 0,
            done: false,
            parsed: VecDeque::new(),
            parsed_end: None,
        })
    }

    /// Takes the file's next parsed batch.
    fn refill(&mut self) {
        let (lines, end, number) = match &mut self.source {
            Source::Inline(reader) => reader.next_batch(None, std::mem::take(&mut self.parsed)),
            Source::Thread(from, back) => {
                // A full return channel or a finished thread only costs an allocation.
                let _ = back.try_send(std::mem::take(&mut self.parsed));
                from.recv().unwrap_or_else(|_| {
                    // The reading thread ends only after sending the end; it panicked.
                    let stopped = InputError::new(
                        self.path.display().to_string(),
                        "the thread reading this file stopped",
                    );
                    (VecDeque::new(), Some(Err(stopped)), self.number)
                })
            }
        };
        self.parsed = lines;
        self.parsed_end = end;
        self.number = number;
    }

    /// The next non-empty line's event and number, or `None` at the end.
    fn next(&mut self) -> Result<Option<ReadLine>, InputError> {
        loop {
            if let Some((line, number)) = self.parsed.pop_front() {
                return Ok(Some(match line {
                    Ok(line) => {
                        self.reached =
                            Some(self.reached.map_or(line.time_us, |r| r.max(line.time_us)));
                        Ok((line, number))
                    }
                    Err(why) => Err(BadLine {
                        file: self.path.clone(),
                        number,
                        why,
                    }),
                }));
            }
            match self.parsed_end.take() {
                Some(Ok(())) => {
                    self.done = true;
                    return Ok(None);
                }
                Some(Err(e)) => return Err(e),
                None => self.refill(),
            }
        }
    }
}

/// A line waiting in the merge, ordered by (time, file, line number).
struct Waiting(Located);

impl Waiting {
    fn key(&self) -> (i64, usize, u64) {
        (self.0.line.time_us, self.0.file, self.0.number)
    }
}

impl PartialEq for Waiting {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Waiting {}
impl PartialOrd for Waiting {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Waiting {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// Every line of several audit logs, in time order (ties: file order, then line order).
pub struct Merged {
    streams: Vec<Stream>,
    heap: BinaryHeap<Reverse<Waiting>>,
    /// Earliest time read so far, over every line of every file.
    pub earliest: Option<i64>,
}

/// What the merge gives next.
pub enum Next {
    /// A readable line, in time order.
    Line(Located),
    /// A line that is not an audit event.
    Bad(BadLine),
}

impl Merged {
    /// Opens every file, to parse its lines on `jobs` threads, keeping of created pods' objects
    /// what `reading` asks for; fails on one that cannot be read. The lines come out the same
    /// whatever `jobs` is.
    pub fn open(paths: &[PathBuf], jobs: usize, reading: Reading) -> Result<Self, InputError> {
        let batch = batch_bytes(paths.len());
        let pool = if jobs > 1 {
            Some(Arc::new(thread_pool(jobs)?))
        } else {
            None
        };
        let streams = paths
            .iter()
            .map(|p| Stream::open(p, batch, pool.as_ref(), reading))
            .collect::<Result<_, _>>()?;
        Ok(Merged {
            streams,
            heap: BinaryHeap::new(),
            earliest: None,
        })
    }

    /// The next line in time order, a bad line as soon as it is read, or `None` at the end.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Next>, InputError> {
        loop {
            if let Some(Reverse(top)) = self.heap.peek() {
                if top.0.line.time_us <= self.watermark() {
                    let Reverse(Waiting(located)) = self.heap.pop().expect("peeked");
                    return Ok(Some(Next::Line(located)));
                }
            }
            // Read from the file that is furthest behind, so the watermark moves.
            let Some(file) = (0..self.streams.len())
                .filter(|&i| !self.streams[i].done)
                .min_by_key(|&i| (self.streams[i].reached.unwrap_or(i64::MIN), i))
            else {
                return Ok(self.heap.pop().map(|Reverse(Waiting(l))| Next::Line(l)));
            };
            match self.streams[file].next()? {
                None => continue,
                Some(Err(bad)) => return Ok(Some(Next::Bad(bad))),
                Some(Ok((line, number))) => {
                    self.earliest =
                        Some(self.earliest.map_or(line.time_us, |e| e.min(line.time_us)));
                    // Lines about nothing a trace needs only move the time on.
                    if line.change.is_none() && !line.failed {
                        continue;
                    }
                    self.heap
                        .push(Reverse(Waiting(Located { line, file, number })));
                }
            }
        }
    }

    /// Lines read so far, over every file.
    pub fn lines_read(&self) -> u64 {
        self.streams.iter().map(|s| s.number).sum()
    }

    /// Lines up to this time are final: every file still being read has reached a time a
    /// window later.
    fn watermark(&self) -> i64 {
        self.streams
            .iter()
            .filter(|s| !s.done)
            .map(|s| {
                s.reached
                    .map_or(i64::MIN, |r| r.saturating_sub(REORDER_WINDOW_US))
            })
            .min()
            .unwrap_or(i64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line's bytes and its number.
    type Numbered = (Vec<u8>, u64);

    /// Every line a reader reads with batches of `batch_bytes`, with its number, and how the
    /// reading ended (the error's line).
    fn read_all(path: &Path, batch_bytes: usize) -> (Vec<Numbered>, Result<(), usize>) {
        let mut reader = Reader::open(path, batch_bytes, Reading { labels: true }).unwrap();
        let mut lines = Vec::new();
        loop {
            let mut batch = reader.read_batch();
            let mut start = 0;
            for &(end, number) in &batch.lines {
                lines.push((batch.text[start..end].to_vec(), number));
                start = end;
            }
            if let Some(end) = batch.end.take() {
                return (lines, end.map_err(|e| e.line.unwrap()));
            }
            reader.spare = batch;
        }
    }

    #[test]
    fn lines_cut_between_batches_are_read_whole_and_numbered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        // Lines of 0 to 3,000 bytes, a blank one, CRLF ends, and a last line without one.
        let mut text = Vec::new();
        for i in 0..400u64 {
            let len = (i * 7919) % 3001;
            text.extend((0..len).map(|j| b'a' + (j % 26) as u8));
            text.extend_from_slice(if i % 3 == 0 { b"\r\n" } else { b"\n" });
        }
        text.extend_from_slice(b"last");
        std::fs::write(&path, &text).unwrap();
        let expected: Vec<Numbered> = text
            .split_inclusive(|&c| c == b'\n')
            .zip(1..)
            .map(|(l, n)| (l.to_vec(), n))
            .collect();
        for batch_bytes in [1, 1000, 100_000, 1 << 20] {
            assert_eq!(read_all(&path, batch_bytes), (expected.clone(), Ok(())));
        }
    }

    #[test]
    fn a_line_too_long_ends_the_reading_at_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.log");
        let line = |len: usize, end: &[u8]| [vec![b'x'; len], end.to_vec()].concat();
        // The longest line read is MAX_LINE_BYTES bytes, its newline counted.
        let longest = line(MAX_LINE_BYTES - 1, b"\n");
        let text = [
            b"a\n".to_vec(),
            longest.clone(),
            line(MAX_LINE_BYTES, b"\n"),
            b"b\n".to_vec(),
        ]
        .concat();
        std::fs::write(&path, text).unwrap();
        let (lines, end) = read_all(&path, 1000);
        assert_eq!(lines, [(b"a\n".to_vec(), 1), (longest, 2)]);
        assert_eq!(end, Err(3));
        // A last line without a newline may have all of them; one more byte is too many.
        std::fs::write(&path, line(MAX_LINE_BYTES, b"")).unwrap();
        assert_eq!(read_all(&path, 1000).1, Ok(()));
        std::fs::write(&path, line(MAX_LINE_BYTES + 1, b"")).unwrap();
        assert_eq!(read_all(&path, 1000), (vec![], Err(1)));
    }
}
