//! One line of a kube-apiserver audit log (an `audit.k8s.io/v1` Event, JSON) reduced to what
//! a pod trace needs: its time, and the pod change it records, if any.

use super::scan;
use super::time::parse_rfc3339;
use compact_str::CompactString;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// TKE's annotation that puts a pod on a network: `tke-direct-eni` is the exclusive-ENI mode
/// (TKE documentation, "Static IP Address Usage" / 固定 IP 使用方法: `tke.cloud.tencent.com/
/// networks: "tke-direct-eni"` for exclusive ENIs, `"tke-route-eni"` for shared ones).
pub const NETWORKS_ANNOTATION: &str = "tke.cloud.tencent.com/networks";
/// The value of [`NETWORKS_ANNOTATION`] for an exclusive ENI.
pub const DIRECT_ENI_NETWORK: &str = "tke-direct-eni";
/// The extended resource an exclusive-ENI pod requests (same page: "独立网卡的 VPC-CNI 模式，
/// 则添加 `tke.cloud.tencent.com/direct-eni`"; TKE's tke-eni-ip-webhook adds it for pods on
/// that network).
pub const DIRECT_ENI_RESOURCE: &str = "tke.cloud.tencent.com/direct-eni";
/// The annotation that keeps a pod's IP across restarts in static IP mode: `Never` keeps it,
/// the default `Immediate` releases it with the pod (same page).
pub const STATIC_IP_ANNOTATION: &str = "tke.cloud.tencent.com/vpc-ip-claim-delete-policy";

/// What a line says about pods.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A pod was created.
    Create(Box<Created>),
    /// A pod was deleted (the first delete of a graceful deletion starts its end).
    Delete(PodRef),
    /// A pod was evicted: the eviction deletes it.
    Evict(PodRef),
}

/// A name from a line: kept in place up to 24 bytes (most pod, namespace and owner names), so
/// that a line parsed on one thread and dropped on another hands no allocation across.
pub type Name = CompactString;

/// A pod named by its namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PodRef {
    /// Its namespace.
    pub namespace: Name,
    /// Its name.
    pub name: Name,
}

/// A created pod and what its object says, when the log has the object.
#[derive(Clone, Debug, PartialEq)]
pub struct Created {
    /// The pod.
    pub pod: PodRef,
    /// The pod object (the response's, else the request's): `None` at the audit level
    /// `Metadata`, which logs no objects.
    pub object: Option<PodFacts>,
}

/// What the importer reads from a pod object.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodFacts {
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its controlling owner's kind and name.
    pub owner: Option<(Name, Name)>,
    /// True if it asks for an exclusive ENI (annotation or resource).
    pub direct_eni: bool,
    /// True if it keeps its IP (`vpc-ip-claim-delete-policy: Never`).
    pub static_ip: bool,
}

/// A line as the importer sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Its `stageTimestamp`, microseconds since the epoch.
    pub time_us: i64,
    /// Its `auditID`, to drop the same event logged twice; none on a line that changes
    /// nothing and did not fail (the merge passes those over).
    pub audit_id: Option<AuditId>,
    /// What it does to pods, if it is a completed pod create, delete or eviction.
    pub change: Option<Change>,
    /// True if the request failed (`responseStatus.code >= 400`): it changed nothing.
    pub failed: bool,
}

/// An event's `auditID`, compared as written. The API server writes a lowercase UUID, kept
/// as its 16 bytes (so no allocation); any other text is kept as it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AuditId {
    /// A lowercase UUID (`8-4-4-4-12` hex digits).
    Uuid([u8; 16]),
    /// Any other ID.
    Text(Name),
}

impl AuditId {
    /// The ID `text`, in its compact form when it has one; none for an empty one (two events
    /// without an ID are not the same event).
    pub fn new(text: &str) -> Option<AuditId> {
        match uuid_bytes(text) {
            Some(bytes) => Some(AuditId::Uuid(bytes)),
            None if text.is_empty() => None,
            None => Some(AuditId::Text(text.into())),
        }
    }
}

/// Where each byte of a UUID starts in its text: two hex digits, the dashes passed over.
const UUID_PAIRS: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/// A lowercase hex digit's value; 0xf0 for any other byte.
const HEX: [u8; 256] = {
    let mut t = [0xf0; 256];
    let mut c = 0;
    while c < 10 {
        t[b'0' as usize + c] = c as u8;
        c += 1;
    }
    let mut c = 0;
    while c < 6 {
        t[b'a' as usize + c] = 10 + c as u8;
        c += 1;
    }
    t
};

/// The 16 bytes of a lowercase UUID, or `None` if `text` is not exactly one.
fn uuid_bytes(text: &str) -> Option<[u8; 16]> {
    let b: &[u8; 36] = text.as_bytes().try_into().ok()?;
    if [b[8], b[13], b[18], b[23]] != [b'-'; 4] {
        return None;
    }
    let mut bytes = [0u8; 16];
    // Any byte that is not a digit sets a high bit here.
    let mut bad = 0;
    for (byte, &at) in bytes.iter_mut().zip(&UUID_PAIRS) {
        let (high, low) = (HEX[b[at] as usize], HEX[b[at + 1] as usize]);
        bad |= high | low;
        *byte = high << 4 | low;
    }
    (bad & 0xf0 == 0).then_some(bytes)
}

/// Why a line is not an audit event the importer can read.
#[derive(Clone, Debug, PartialEq)]
pub enum Unreadable {
    /// Not JSON: serde's message and the 1-based column.
    NotJson(String, usize),
    /// JSON, but not an `audit.k8s.io` Event (e.g. a pod list, or an event without a time).
    NotAuditEvent(String),
}

/// An event as read: strings borrowed from the line where they have no escapes, and the
/// objects left unparsed until a pod create needs one, so that the many lines about other
/// things cost a scan and no allocation. Read by [`super::scan`], else by serde_json.
#[derive(Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawEvent<'a> {
    #[serde(borrow)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(rename = "apiVersion", borrow)]
    pub api_version: Option<Cow<'a, str>>,
    #[serde(rename = "auditID", borrow, default)]
    pub audit_id: Cow<'a, str>,
    #[serde(borrow)]
    pub stage: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub verb: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub object_ref: Option<RawObjectRef<'a>>,
    pub response_status: Option<RawStatus>,
    #[serde(borrow)]
    pub stage_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub request_object: Option<Object<'a>>,
    #[serde(borrow)]
    pub response_object: Option<Object<'a>>,
}

/// `objectRef`: what the request was about.
#[derive(Debug, Default, PartialEq, Deserialize)]
pub(super) struct RawObjectRef<'a> {
    #[serde(borrow)]
    pub resource: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub namespace: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub subresource: Option<Cow<'a, str>>,
}

/// `responseStatus`: how the request ended.
#[derive(Debug, Default, PartialEq, Deserialize)]
pub(super) struct RawStatus {
    pub code: Option<i64>,
}

/// A logged object's JSON text, unparsed.
#[derive(Debug, PartialEq)]
pub(super) struct Object<'a>(pub &'a str);

impl<'de: 'a, 'a> Deserialize<'de> for Object<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'a RawValue>::deserialize(d).map(|raw| Object(raw.get()))
    }
}

/// A pod object as the importer reads it: strings borrowed where they have no escapes, and
/// of the maps it does not keep only the keys it asks about, each value still checked as
/// the owned maps were. Read by [`super::scan`], else by serde_json.
#[derive(Debug, Default, PartialEq, Deserialize)]
pub(super) struct RawObject<'a> {
    #[serde(borrow)]
    pub metadata: Option<RawMeta<'a>>,
    pub spec: Option<RawSpec>,
}

#[derive(Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawMeta<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default, borrow)]
    pub annotations: Annotations<'a>,
    #[serde(default, borrow)]
    pub owner_references: Vec<RawOwner<'a>>,
}

#[derive(Debug, Default, PartialEq, Deserialize)]
pub(super) struct RawOwner<'a> {
    #[serde(borrow)]
    pub kind: Str<'a>,
    #[serde(borrow)]
    pub name: Str<'a>,
    pub controller: Option<bool>,
}

#[derive(Debug, Default, PartialEq, Deserialize)]
pub(super) struct RawSpec {
    #[serde(default)]
    pub containers: Vec<RawContainer>,
}

#[derive(Debug, Default, PartialEq, Deserialize)]
pub(super) struct RawContainer {
    pub resources: Option<RawResources>,
}

#[derive(Debug, Default, PartialEq, Deserialize)]
pub(super) struct RawResources {
    #[serde(default)]
    pub requests: AsksEni,
    #[serde(default)]
    pub limits: AsksEni,
}

/// A JSON string, borrowed from the line unless it has escapes.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Str<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(Visit)
    }
}

/// The annotations the importer reads (the last of a repeated key, as a map keeps it); every
/// value must be a string.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Annotations<'a> {
    pub networks: Option<Str<'a>>,
    pub static_ip: Option<Str<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Annotations<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Annotations<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of strings")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Annotations<'de>, M::Error> {
                let mut a = Annotations::default();
                while let Some(Str(key)) = map.next_key()? {
                    let value: Str = map.next_value()?;
                    match key.as_ref() {
                        NETWORKS_ANNOTATION => a.networks = Some(value),
                        STATIC_IP_ANNOTATION => a.static_ip = Some(value),
                        _ => {}
                    }
                }
                Ok(a)
            }
        }
        d.deserialize_map(Visit)
    }
}

/// Whether a map of resources (`requests` or `limits`) names the exclusive-ENI resource;
/// its values may be anything.
#[derive(Debug, Default, PartialEq)]
pub(super) struct AsksEni(pub bool);

impl<'de> Deserialize<'de> for AsksEni {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = AsksEni;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<AsksEni, M::Error> {
                let mut asks = false;
                while let Some(Str(key)) = map.next_key()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    asks |= key == DIRECT_ENI_RESOURCE;
                }
                Ok(AsksEni(asks))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// What a pod object is read for beyond what every import needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// Keep its labels (for a `--selector`); without one they are checked, not copied.
    pub labels: bool,
}

/// Reads one line of an audit log, keeping of a created pod's object what `reading` asks
/// for. Lines of other stages than `ResponseComplete` and events about other resources come
/// back with no change.
pub fn read_line(text: &str, reading: Reading) -> Result<Line, Unreadable> {
    let raw = match scan::event(text) {
        Some(raw) => raw,
        None => serde_json::from_str::<RawEvent>(text).map_err(|e| {
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            Unreadable::NotJson(message.to_string(), e.column().max(1))
        })?,
    };
    let is_event = raw.kind.as_deref() == Some("Event")
        && raw
            .api_version
            .as_deref()
            .is_some_and(|v| v.starts_with("audit.k8s.io/"));
    if !is_event {
        return Err(Unreadable::NotAuditEvent(format!(
            "kind {:?}, apiVersion {:?}",
            raw.kind.as_deref().unwrap_or("none"),
            raw.api_version.as_deref().unwrap_or("none")
        )));
    }
    let time_us = raw
        .stage_timestamp
        .as_deref()
        .and_then(parse_rfc3339)
        .ok_or_else(|| Unreadable::NotAuditEvent("no RFC 3339 stageTimestamp".to_string()))?;
    let failed = raw
        .response_status
        .as_ref()
        .and_then(|s| s.code)
        .is_some_and(|c| c >= 400);
    let complete = raw.stage.as_deref() == Some("ResponseComplete");
    let change = if complete && !failed {
        change_of(&raw, reading)
    } else {
        None
    };
    let failed = failed && complete && is_pod(&raw);
    // Only the lines about pods are deduplicated; the others keep no copy.
    let audit_id = if change.is_some() || failed {
        AuditId::new(&raw.audit_id)
    } else {
        None
    };
    Ok(Line {
        time_us,
        audit_id,
        change,
        failed,
    })
}

fn is_pod(raw: &RawEvent) -> bool {
    raw.object_ref
        .as_ref()
        .is_some_and(|r| r.resource.as_deref() == Some("pods"))
}

fn change_of(raw: &RawEvent, reading: Reading) -> Option<Change> {
    let r = raw.object_ref.as_ref()?;
    if r.resource.as_deref() != Some("pods") {
        return None;
    }
    let named = r.name.as_deref().filter(|n| !n.is_empty()).map(Name::from);
    let namespace = Name::from(r.namespace.as_deref().unwrap_or_default());
    let pod = |name| PodRef {
        namespace: namespace.clone(),
        name,
    };
    match (raw.verb.as_deref()?, r.subresource.as_deref()) {
        ("create", None | Some("")) => {
            // The response's object is the pod as created (after admission); the request's
            // is what was sent, read only when the response's does not say. A pod created
            // with generateName has its name only in an object.
            let response = parse_object(raw.response_object.as_ref(), reading);
            let name_of = |o: &Option<RawObject>| {
                o.as_ref()
                    .and_then(|o| o.metadata.as_ref())
                    .and_then(|m| m.name.as_ref())
                    .filter(|n| !n.0.is_empty())
                    .map(|n| Name::from(&*n.0))
            };
            let mut name = named.or_else(|| name_of(&response));
            let mut object = response.and_then(facts);
            if name.is_none() || object.is_none() {
                let request = parse_object(raw.request_object.as_ref(), reading);
                name = name.or_else(|| name_of(&request));
                object = object.or_else(|| request.and_then(facts));
            }
            Some(Change::Create(Box::new(Created {
                pod: pod(name?),
                object,
            })))
        }
        ("create", Some("eviction")) => Some(Change::Evict(pod(named?))),
        ("delete", None | Some("")) => Some(Change::Delete(pod(named?))),
        _ => None,
    }
}

/// A logged object as a pod, if it parses as one.
fn parse_object<'a>(raw: Option<&Object<'a>>, reading: Reading) -> Option<RawObject<'a>> {
    let text = raw?.0;
    scan::object(text, reading).or_else(|| serde_json::from_str(text).ok())
}

fn facts(o: RawObject) -> Option<PodFacts> {
    let meta = o.metadata?;
    let owner = meta
        .owner_references
        .iter()
        .find(|r| r.controller == Some(true))
        .or(meta.owner_references.first())
        .map(|r| (Name::from(&*r.kind.0), Name::from(&*r.name.0)));
    let requests_eni = o.spec.as_ref().is_some_and(|s| {
        s.containers.iter().any(|c| {
            c.resources
                .as_ref()
                .is_some_and(|r| r.requests.0 || r.limits.0)
        })
    });
    let on_direct_network = meta
        .annotations
        .networks
        .as_ref()
        .is_some_and(|v| v.0.split(',').any(|n| n.trim() == DIRECT_ENI_NETWORK));
    Some(PodFacts {
        labels: meta.labels,
        owner,
        direct_eni: requests_eni || on_direct_network,
        static_ip: meta
            .annotations
            .static_ip
            .as_ref()
            .is_some_and(|v| v.0 == "Never"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Objects read whole, labels kept.
    const ALL: Reading = Reading { labels: true };

    const CREATE: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"a1","stage":"ResponseComplete","verb":"create","objectRef":{"resource":"pods","namespace":"prod","apiVersion":"v1"},"responseStatus":{"code":201},"stageTimestamp":"2024-05-01T10:00:00.250000Z","requestObject":{"kind":"Pod","metadata":{"generateName":"web-7c9d8f6b5-","labels":{"app":"web"},"annotations":{"tke.cloud.tencent.com/networks":"tke-direct-eni"},"ownerReferences":[{"kind":"ReplicaSet","name":"web-7c9d8f6b5","controller":true}]},"spec":{"containers":[{"name":"c"}]}},"responseObject":{"kind":"Pod","metadata":{"name":"web-7c9d8f6b5-x2kqp","labels":{"app":"web"},"annotations":{"tke.cloud.tencent.com/networks":"tke-direct-eni"},"ownerReferences":[{"kind":"ReplicaSet","name":"web-7c9d8f6b5","controller":true}]},"spec":{"containers":[{"name":"c","resources":{"requests":{"tke.cloud.tencent.com/direct-eni":"1"}}}]}}}"#;

    #[test]
    fn a_create_with_generate_name_takes_the_name_from_the_response() {
        let line = read_line(CREATE, ALL).unwrap();
        let Some(Change::Create(c)) = line.change else {
            panic!("a create: {line:?}")
        };
        assert_eq!(c.pod.name, "web-7c9d8f6b5-x2kqp");
        assert_eq!(c.pod.namespace, "prod");
        let facts = c.object.unwrap();
        assert!(facts.direct_eni);
        assert!(!facts.static_ip);
        assert_eq!(
            facts.owner,
            Some(("ReplicaSet".into(), "web-7c9d8f6b5".into()))
        );
        assert_eq!(line.audit_id, Some(AuditId::Text("a1".into())));
    }

    #[test]
    fn other_stages_failures_and_resources_change_nothing() {
        let received = CREATE.replace("ResponseComplete", "RequestReceived");
        assert_eq!(read_line(&received, ALL).unwrap().change, None);
        let failed = CREATE.replace("\"code\":201", "\"code\":409");
        let line = read_line(&failed, ALL).unwrap();
        assert_eq!((line.change, line.failed), (None, true));
        let cm = CREATE.replace("\"resource\":\"pods\"", "\"resource\":\"configmaps\"");
        assert_eq!(read_line(&cm, ALL).unwrap().change, None);
    }

    #[test]
    fn audit_ids_compare_as_written() {
        let uuid = "9b9c5b4c-2f1e-4d3a-8c7b-0123456789ab";
        assert_eq!(
            AuditId::new(uuid),
            Some(AuditId::Uuid(
                0x9b9c5b4c_2f1e_4d3a_8c7b_0123456789ab_u128.to_be_bytes()
            ))
        );
        // The same digits written otherwise are other IDs, kept as text.
        let upper = uuid.to_uppercase();
        let bare = uuid.replace('-', "");
        let moved = "9b9c5b4c2-f1e-4d3a-8c7b-0123456789ab";
        let not_hex = "9b9c5b4c-2f1e-4d3a-8c7b-0123456789ag";
        for other in [upper.as_str(), bare.as_str(), moved, not_hex, "a1"] {
            assert_eq!(AuditId::new(other), Some(AuditId::Text(other.into())));
            assert_ne!(AuditId::new(other), AuditId::new(uuid));
        }
        assert_eq!(AuditId::new(""), None, "an empty ID is none");
    }

    #[test]
    fn unreadable_lines_say_why() {
        assert!(matches!(
            read_line("{\"kind\":", ALL),
            Err(Unreadable::NotJson(_, _))
        ));
        assert!(matches!(
            read_line(r#"{"kind":"PodList","apiVersion":"v1","items":[]}"#, ALL),
            Err(Unreadable::NotAuditEvent(_))
        ));
    }
}
