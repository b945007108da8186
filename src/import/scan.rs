//! The fast path of reading an audit event: one pass over the line's bytes that checks it
//! is JSON and takes the fields [`RawEvent`] needs, about twice as fast as serde_json
//! deserializing into the struct. It reads only lines written the plain way the API server
//! writes them; any line it is not sure of (an error, an escape in a field it takes, a
//! `null`, a repeated field, deep nesting) is left to serde_json, whose result and error
//! messages stay the reference: a line the scanner reads, serde_json reads the same. A pod
//! object logged with a create is read the same way ([`object`]).

use super::event::{
    AsksEni, Object, RawContainer, RawEvent, RawMeta, RawObject, RawObjectRef, RawOwner,
    RawResources, RawSpec, RawStatus, Reading, Str, DIRECT_ENI_RESOURCE, NETWORKS_ANNOTATION,
    STATIC_IP_ANNOTATION,
};
use std::borrow::Cow;

/// Deepest nesting scanned (serde_json stops at 128).
const MAX_DEPTH: u32 = 100;

/// The event of a line, or `None` to leave the line to serde_json.
pub(super) fn event(text: &str) -> Option<RawEvent<'_>> {
    let mut e = RawEvent::default();
    let mut seen = Seen::default();
    whole(text, false, |s| {
        s.members(|s, key| {
            match key {
                "kind" => e.kind = Some(s.field(&mut seen, 0)?),
                "apiVersion" => e.api_version = Some(s.field(&mut seen, 1)?),
                "auditID" => e.audit_id = s.field(&mut seen, 2)?,
                "stage" => e.stage = Some(s.field(&mut seen, 3)?),
                "verb" => e.verb = Some(s.field(&mut seen, 4)?),
                "stageTimestamp" => e.stage_timestamp = Some(s.field(&mut seen, 5)?),
                "objectRef" => e.object_ref = Some(s.once(&mut seen, 6, Scanner::object_ref)?),
                "responseStatus" => {
                    e.response_status = Some(s.once(&mut seen, 7, Scanner::status)?)
                }
                "requestObject" => {
                    e.request_object = Some(s.once(&mut seen, 8, Scanner::object)?)
                }
                "responseObject" => {
                    e.response_object = Some(s.once(&mut seen, 9, Scanner::object)?)
                }
                _ => s.skip(1)?,
            }
            Some(())
        })
    })?;
    Some(e)
}

/// A logged pod object (`requestObject` or `responseObject` of a create), or `None` to leave
/// it to serde_json: what a pod needs of it, as [`RawObject`]'s serde reads it.
pub(super) fn object(text: &str, reading: Reading) -> Option<RawObject<'_>> {
    let mut o = RawObject::default();
    let mut seen = Seen::default();
    whole(text, reading.labels, |s| {
        s.members(|s, key| {
            match key {
                "metadata" => o.metadata = Some(s.once(&mut seen, 0, Scanner::meta)?),
                "spec" => o.spec = Some(s.once(&mut seen, 1, Scanner::spec)?),
                _ => s.skip(1)?,
            }
            Some(())
        })
    })?;
    Some(o)
}

/// Reads all of `text` with `read` (keeping labels if `labels`): `None` if `read` is not
/// sure of it or anything but white space follows what it read.
fn whole<'a>(
    text: &'a str,
    labels: bool,
    read: impl FnOnce(&mut Scanner<'a>) -> Option<()>,
) -> Option<()> {
    let mut s = Scanner { text, i: 0, labels };
    read(&mut s)?;
    s.ws();
    (s.i == s.text.len()).then_some(())
}

/// The fields of one object met so far: serde_json refuses a repeated one.
#[derive(Default)]
struct Seen(u16);

impl Seen {
    fn first(&mut self, field: u32) -> Option<()> {
        let bit = 1 << field;
        let first = self.0 & bit == 0;
        self.0 |= bit;
        first.then_some(())
    }
}

/// Where the first byte from `from` is that ends or escapes a string's plain run: `"`, `\\`
/// or a control character. Sixteen bytes at a time with SSE2 (every x86-64 has it), else
/// eight at a time in a word; then byte by byte.
fn special(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    while let Some(block) = b.get(i..i + 16) {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of every x86-64 CPU, and `block` is 16 readable bytes, which
        // an unaligned load reads exactly.
        let mask = unsafe {
            let v = _mm_loadu_si128(block.as_ptr().cast());
            let byte = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
            // A control character is below 0x20: its top three bits are clear.
            let control = _mm_cmpeq_epi8(
                _mm_and_si128(v, _mm_set1_epi8(0xe0u8 as i8)),
                _mm_setzero_si128(),
            );
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(byte(b'"'), byte(b'\\')), control))
        };
        if mask != 0 {
            return Some(i + mask.trailing_zeros() as usize);
        }
        i += 16;
    }
    // Eight bytes of a word: those that are one of these get their high bit set, and the
    // lowest such bit is exact (a borrow only runs upwards).
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    while let Some(word) = b.get(i..i + 8) {
        let v = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let hits = zero(v ^ (ONES * u64::from(b'"')))
            | zero(v ^ (ONES * u64::from(b'\\')))
            | (v.wrapping_sub(ONES * 0x20) & !v & HIGH);
        if hits != 0 {
            return Some(i + hits.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    i += b
        .get(i..)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
    Some(i)
}

struct Scanner<'a> {
    text: &'a str,
    i: usize,
    /// Keep a pod's labels (else they are only checked).
    labels: bool,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.ws();
        (self.peek()? == byte).then(|| self.i += 1)
    }

    /// An object's members, each key given to `member`, which reads the value.
    fn members(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.ws();
        if self.peek()? != b'{' {
            return None;
        }
        self.items(b'}', |s| {
            s.ws();
            // serde_json unescapes the keys of a struct: one with an escape is left to it.
            let key = s.plain_string()?;
            s.eat(b':')?;
            s.ws();
            member(s, key)
        })
    }

    /// The items of the object or array opening at the cursor, each read by `item`, up to
    /// `close`.
    fn items(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.i += 1;
        self.ws();
        if self.peek()? == close {
            self.i += 1;
            return Some(());
        }
        loop {
            item(self)?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                c if c == close => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string field, seen for the first time.
    fn field(&mut self, seen: &mut Seen, field: u32) -> Option<Cow<'a, str>> {
        self.once(seen, field, |s| {
            s.ws();
            s.plain_string().map(Cow::Borrowed)
        })
    }

    /// The value of a member seen for the first time, read by `read`.
    fn once<T>(
        &mut self,
        seen: &mut Seen,
        field: u32,
        read: impl FnOnce(&mut Self) -> Option<T>,
    ) -> Option<T> {
        seen.first(field)?;
        read(self)
    }

    /// A string without escapes or control characters, borrowed.
    fn plain_string(&mut self) -> Option<&'a str> {
        let b = self.text.as_bytes();
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        let end = special(b, start)?;
        if b[end] != b'"' {
            return None;
        }
        self.i = end + 1;
        // SAFETY: `start` follows a `"` and `end` is one, both ASCII, so both are character
        // boundaries of `text`, and `start <= end <= text.len()`.
        Some(unsafe { self.text.get_unchecked(start..end) })
    }

    fn object_ref(&mut self) -> Option<RawObjectRef<'a>> {
        let mut r = RawObjectRef::default();
        let mut seen = Seen::default();
        self.members(|s, key| {
            match key {
                "resource" => r.resource = Some(s.field(&mut seen, 0)?),
                "namespace" => r.namespace = Some(s.field(&mut seen, 1)?),
                "name" => r.name = Some(s.field(&mut seen, 2)?),
                "subresource" => r.subresource = Some(s.field(&mut seen, 3)?),
                _ => s.skip(2)?,
            }
            Some(())
        })?;
        Some(r)
    }

    fn status(&mut self) -> Option<RawStatus> {
        let mut status = RawStatus::default();
        let mut seen = Seen::default();
        self.members(|s, key| {
            if key == "code" {
                seen.first(0)?;
                let start = s.i;
                s.number()?;
                // A positive integer in range; a sign (serde_json reads `-0` as a float), a
                // fraction or an exponent is left to serde_json.
                let digits = &s.text[start..s.i];
                if !digits.bytes().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                status.code = Some(digits.parse().ok()?);
            } else {
                s.skip(2)?;
            }
            Some(())
        })?;
        Some(status)
    }

    /// A pod's `metadata`.
    fn meta(&mut self) -> Option<RawMeta<'a>> {
        let mut m = RawMeta::default();
        let mut seen = Seen::default();
        self.members(|s, key| {
            match key {
                "name" => m.name = Some(Str(s.field(&mut seen, 0)?)),
                "labels" => {
                    seen.first(1)?;
                    s.members(|s, k| {
                        let value = s.plain_string()?;
                        if s.labels {
                            m.labels.insert(k.to_string(), value.to_string());
                        }
                        Some(())
                    })?;
                }
                "annotations" => {
                    seen.first(2)?;
                    let a = &mut m.annotations;
                    s.members(|s, k| {
                        let kept = match k {
                            NETWORKS_ANNOTATION => &mut a.networks,
                            STATIC_IP_ANNOTATION => &mut a.static_ip,
                            _ => return s.string_value(),
                        };
                        *kept = Some(Str(s.plain_string()?.into()));
                        Some(())
                    })?;
                }
                "ownerReferences" => {
                    m.owner_references = s.once(&mut seen, 3, |s| s.array(Self::owner))?;
                }
                _ => s.skip(2)?,
            }
            Some(())
        })?;
        Some(m)
    }

    /// A string serde_json would read into a `&str` or `String`, not kept: one with a
    /// `\u` escape (whose surrogates it checks) is left to it.
    fn string_value(&mut self) -> Option<()> {
        let start = self.i;
        self.skip_string()?;
        (!self.text[start..self.i].contains("\\u")).then_some(())
    }

    /// An array, each item read by `item`.
    fn array<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        self.ws();
        if self.peek()? != b'[' {
            return None;
        }
        let mut items = Vec::new();
        self.items(b']', |s| {
            items.push(item(s)?);
            Some(())
        })?;
        Some(items)
    }

    /// One of `ownerReferences`: its kind and name are required, as serde wants them.
    fn owner(&mut self) -> Option<RawOwner<'a>> {
        let (mut kind, mut name, mut controller) = (None, None, None);
        let mut seen = Seen::default();
        self.members(|s, key| {
            match key {
                "kind" => kind = Some(Str(s.field(&mut seen, 0)?)),
                "name" => name = Some(Str(s.field(&mut seen, 1)?)),
                "controller" => {
                    seen.first(2)?;
                    controller = Some(match s.peek()? {
                        b't' => s.literal("true").map(|()| true)?,
                        _ => s.literal("false").map(|()| false)?,
                    });
                }
                _ => s.skip(4)?,
            }
            Some(())
        })?;
        Some(RawOwner {
            kind: kind?,
            name: name?,
            controller,
        })
    }

    /// A pod's `spec`: the resources of its containers.
    fn spec(&mut self) -> Option<RawSpec> {
        let mut spec = RawSpec::default();
        let mut seen = Seen::default();
        self.members(|s, key| {
            if key == "containers" {
                seen.first(0)?;
                spec.containers = s.array(Self::container)?;
            } else {
                s.skip(2)?;
            }
            Some(())
        })?;
        Some(spec)
    }

    fn container(&mut self) -> Option<RawContainer> {
        let mut c = RawContainer::default();
        let mut seen = Seen::default();
        self.members(|s, key| {
            if key == "resources" {
                seen.first(0)?;
                let mut r = RawResources::default();
                let mut seen = Seen::default();
                s.members(|s, key| {
                    match key {
                        "requests" => r.requests = s.asks_eni(&mut seen, 0)?,
                        "limits" => r.limits = s.asks_eni(&mut seen, 1)?,
                        _ => s.skip(5)?,
                    }
                    Some(())
                })?;
                c.resources = Some(r);
            } else {
                s.skip(4)?;
            }
            Some(())
        })?;
        Some(c)
    }

    /// A map of resources, seen for the first time: whether it names the exclusive ENI.
    fn asks_eni(&mut self, seen: &mut Seen, field: u32) -> Option<AsksEni> {
        seen.first(field)?;
        let mut asks = false;
        self.members(|s, key| {
            asks |= key == DIRECT_ENI_RESOURCE;
            s.skip(6)
        })?;
        Some(AsksEni(asks))
    }

    /// A logged object's text: any value but `null` (which serde_json reads as none).
    fn object(&mut self) -> Option<Object<'a>> {
        let start = self.i;
        if self.peek()? == b'n' {
            return None;
        }
        self.skip(1)?;
        Some(Object(&self.text[start..self.i]))
    }

    /// Passes over any JSON value, checking it as serde_json does a field it ignores.
    fn skip(&mut self, depth: u32) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' => self.items(b'}', |s| {
                s.ws();
                s.skip_string()?;
                s.eat(b':')?;
                s.skip(depth + 1)
            }),
            b'[' => self.items(b']', |s| s.skip(depth + 1)),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.number(),
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        self.text[self.i..]
            .starts_with(word)
            .then(|| self.i += word.len())
    }

    /// A string, its escapes checked (`\uXXXX` takes any four hex digits, as serde_json
    /// passing over a string does).
    fn skip_string(&mut self) -> Option<()> {
        let b = self.text.as_bytes();
        if self.peek()? != b'"' {
            return None;
        }
        let mut i = self.i + 1;
        loop {
            i = special(b, i)?;
            match b[i] {
                b'"' => {
                    self.i = i + 1;
                    return Some(());
                }
                b'\\' => match *b.get(i + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' if b.get(i + 2..i + 6)?.iter().all(u8::is_ascii_hexdigit) => i += 6,
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    /// A number as JSON writes it: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Option<()> {
        let b = self.text.as_bytes();
        let digits = |i: usize| b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match *b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => i += digits(i),
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            let n = digits(i + 1);
            if n == 0 {
                return None;
            }
            i += 1 + n;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let n = digits(i);
            if n == 0 {
                return None;
            }
            i += n;
        }
        self.i = i;
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Objects read whole, labels kept (as serde_json reads them).
    const ALL: Reading = Reading { labels: true };

    /// Lines as the API server writes them, with what the scanner passes over: escapes,
    /// numbers, literals, nested arrays, white space.
    const LINES: [&str; 3] = [
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/pods?x=\u003c1\u003e","verb":"create","user":{"username":"system:serviceaccount:kube-system:replicaset-controller","groups":["system:serviceaccounts","system:authenticated"]},"sourceIPs":["10.0.0.1"],"userAgent":"kube-controller-manager/v1.30.1 (linux/amd64) \"quoted\"","objectRef":{"resource":"pods","namespace":"prod","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"kind":"Pod","metadata":{"generateName":"web-","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"a\":[1,2.5e-3,-0.0,true,false,null]}\n"}},"spec":{"containers":[{"name":"c","resources":{"requests":{"tke.cloud.tencent.com/direct-eni":"1"}}}]}},"responseObject":{"kind":"Pod","metadata":{"name":"web-x2kqp"}},"requestReceivedTimestamp":"2024-05-01T10:00:00.240000Z","stageTimestamp":"2024-05-01T10:00:00.250000Z","annotations":{"authorization.k8s.io/decision":"allow"}}"#,
        r#"{ "kind" : "Event" , "apiVersion":"audit.k8s.io/v1", "auditID":"b2", "stage":"ResponseComplete", "verb":"delete", "objectRef":{"resource":"pods","namespace":"prod","name":"web-x2kqp","subresource":""}, "responseStatus":{"code":404,"reason":"NotFound","details":[]}, "stageTimestamp":"2024-05-01T10:00:01Z", "extra":[[[]],{},-12,0,3E+2] }"#,
        r#"{"kind":"PodList","apiVersion":"v1","items":[]}"#,
    ];

    fn serde(text: &str) -> Option<RawEvent<'_>> {
        serde_json::from_str(text).ok()
    }

    #[test]
    fn reads_plain_lines_as_serde_json_does() {
        for line in LINES {
            let fast = event(line);
            assert!(fast.is_some(), "{line}");
            assert_eq!(fast, serde(line), "{line}");
        }
        let e = event(LINES[0]).unwrap();
        assert_eq!(e.response_status, Some(RawStatus { code: Some(201) }));
        assert_eq!(
            e.response_object,
            Some(Object(r#"{"kind":"Pod","metadata":{"name":"web-x2kqp"}}"#))
        );
    }

    #[test]
    fn leaves_to_serde_json_what_it_is_not_sure_of() {
        let first = LINES[1];
        for line in [
            first.replace(r#""verb":"delete""#, r#""verb":"del\u0065te""#),
            first.replace(r#""verb":"delete""#, r#""verb":null"#),
            first.replace(r#""verb":"delete""#, r#""verb":"delete","verb":"get""#),
            first.replace(r#""code":404"#, r#""code":404.0"#),
            first.replace(r#""code":404"#, r#""code":-0"#),
            first.replace(r#""code":404"#, r#""code":99999999999999999999"#),
            format!("[{first}]"),
            format!("{first}x"),
        ] {
            assert_eq!(event(&line), None, "{line}");
        }
    }

    #[test]
    fn finds_the_first_byte_that_ends_a_plain_run() {
        let naive = |b: &[u8], from: usize| {
            (from..b.len()).find(|&i| b[i] == b'"' || b[i] == b'\\' || b[i] < 0x20)
        };
        // Each byte sought at every offset of a block, among bytes next to them in value
        // (space, `!`, `[`, `]`, DEL, non-ASCII), from every start before it.
        for sought in [b'"', b'\\', 0x00, 0x01, 0x1f, 0xff] {
            for at in 0..44 {
                for from in 0..=at {
                    let mut b: Vec<u8> = (0..48)
                        .map(|i| [0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xe9][i % 8])
                        .collect();
                    b[at] = sought;
                    b[at + 2] = b'"';
                    assert_eq!(special(&b, from), naive(&b, from), "{b:?} from {from}");
                }
            }
        }
        assert_eq!(special(&[0x80, 0x7f, 0x20, b'a'].repeat(10), 0), None);
    }

    /// Every text one edit away from `valid`: each byte cut off, dropped or replaced by a
    /// character that matters to JSON.
    fn edits(valid: &str) -> Vec<String> {
        let b = valid.as_bytes();
        let mut edits = Vec::new();
        for i in 0..b.len() {
            edits.push(b[..i].to_vec());
            edits.push([&b[..i], &b[i + 1..]].concat());
            for c in b"\"\\{}[],:0-.eEntu \x01x".iter() {
                let mut e = b.to_vec();
                e[i] = *c;
                edits.push(e);
            }
        }
        edits
            .into_iter()
            .map(|e| String::from_utf8(e).unwrap())
            .collect()
    }

    /// Every line one edit away from a valid one: what the scanner reads, serde_json reads
    /// the same; what serde_json refuses, the scanner leaves to it.
    #[test]
    fn never_reads_a_line_otherwise_than_serde_json() {
        let mut read = 0;
        for line in LINES {
            for text in edits(line) {
                let fast = event(&text);
                if fast.is_some() {
                    read += 1;
                    assert_eq!(fast, serde(&text), "{text}");
                }
            }
        }
        assert!(
            read > 1000,
            "the scanner reads most harmless edits ({read})"
        );
    }

    /// Pod objects as creates log them, with what the object reader passes over or reads
    /// twice: other annotations, owners without `controller`, resources with other keys.
    const OBJECTS: [&str; 2] = [
        r#"{"kind":"Pod","metadata":{"name":"web-x2kqp","generateName":"web-","labels":{"app":"web","pod-template-hash":"7c9d8f6b5"},"annotations":{"tke.cloud.tencent.com/networks":"tke-direct-eni","x":"{\"a\":[1,2.5e-3,null]}","tke.cloud.tencent.com/vpc-ip-claim-delete-policy":"Never"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7c9d8f6b5","uid":"u1","controller":true,"blockOwnerDeletion":true}]},"spec":{"containers":[{"name":"web","image":"nginx:1.27","resources":{"requests":{"cpu":"100m","tke.cloud.tencent.com/direct-eni":"1"},"limits":{"tke.cloud.tencent.com/direct-eni":1}}},{"name":"side","resources":{}}]},"status":{}}"#,
        r#" { "metadata" : { "labels" : { } , "ownerReferences" : [ { "kind" : "Job" , "name" : "j" , "controller" : false } , { "name" : "n" , "kind" : "K" } ] } , "spec" : { "containers" : [ { "resources" : { "limits" : { "cpu" : [ ] } } } ] } } "#,
    ];

    /// Every object one edit away from a pod object: what the scanner reads, serde_json
    /// reads the same.
    #[test]
    fn never_reads_a_pod_object_otherwise_than_serde_json() {
        fn owner(
            kind: &'static str,
            name: &'static str,
            controller: Option<bool>,
        ) -> RawOwner<'static> {
            RawOwner {
                kind: Str(kind.into()),
                name: Str(name.into()),
                controller,
            }
        }
        let first = object(OBJECTS[0], ALL).unwrap();
        let meta = first.metadata.as_ref().unwrap();
        assert_eq!(meta.name, Some(Str("web-x2kqp".into())));
        assert_eq!(meta.labels.len(), 2);
        assert_eq!(
            meta.annotations.networks,
            Some(Str("tke-direct-eni".into()))
        );
        assert_eq!(meta.annotations.static_ip, Some(Str("Never".into())));
        assert_eq!(
            meta.owner_references,
            [owner("ReplicaSet", "web-7c9d8f6b5", Some(true))]
        );
        let spec = first.spec.as_ref().unwrap();
        let asks: Vec<_> = spec
            .containers
            .iter()
            .map(|c| c.resources.as_ref().map(|r| (r.requests.0, r.limits.0)))
            .collect();
        assert_eq!(asks, [Some((true, true)), Some((false, false))]);
        // A `\u` escape, in a value not kept, is left to serde_json (which checks surrogates).
        let escaped = OBJECTS[0].replace(r#""x":"{"#, r#""x":"\ud800{"#);
        assert_eq!(object(&escaped, ALL), None);
        let second = object(OBJECTS[1], ALL).unwrap();
        assert_eq!(
            second.metadata.unwrap().owner_references,
            [owner("Job", "j", Some(false)), owner("K", "n", None)]
        );
        let mut read = 0;
        for valid in OBJECTS {
            for text in edits(valid) {
                let fast = object(&text, ALL);
                if fast.is_some() {
                    read += 1;
                    let serde: Option<RawObject> = serde_json::from_str(&text).ok();
                    assert_eq!(fast, serde, "{text}");
                }
            }
        }
        assert!(
            read > 1000,
            "the scanner reads most harmless edits ({read})"
        );
    }
}
