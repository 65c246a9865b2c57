//! The fault knobs, one struct for every protocol: a delay before answering
//! (`latency_ms`) and the "every Nth request" faults (`drop_every`, `http500_every`,
//! `http500_after_insert_every`, …). Each protocol offers its own set ([`Protocol`]) and
//! its knobs object holds them beside its other knobs, as before
//! (`{"aurora": {"latency_ms": 0, "drop_every": null, …}}`); a knob it does not offer is
//! refused like any unknown key. What each fault answers is the protocol's module's
//! business: see the documentation of `aurora`, `mumara`, `keycloak`, `graph`, `gitlab`.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// An "every Nth request" fault. Each is counted over the requests its protocol counts
/// (the create POSTs, mostly; see the module of each protocol).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The connection is closed; nothing is done.
    Drop,
    /// Handled (created), then the connection is closed with no answer.
    LostAnswer,
    /// An HTTP 500 page; nothing created.
    Http500,
    /// A proxy's 502 page; nothing created.
    Http502,
    /// A 503; nothing created.
    Http503,
    /// Laravel's 419 (CSRF token mismatch); nothing created.
    Csrf,
    /// Aurora's `Result: false`; nothing created.
    ResultFalse,
    /// Aurora's `ErrorCode: 0`; nothing created.
    Error0,
    /// Mumara's `status: error` with words no client knows; nothing created.
    StatusError,
    /// Handled, with a PHP notice printed before the answer.
    PhpNotice,
    /// Created, then a 500 instead of the answer.
    Http500AfterInsert,
    /// Created, then a 503 instead of the answer.
    Http503AfterInsert,
    /// Created, then HTTP 200 with a PHP fatal error and no JSON.
    NonJsonAfterInsert,
}

const ALL: [Fault; 13] = [
    Fault::Drop,
    Fault::LostAnswer,
    Fault::Http500,
    Fault::Http502,
    Fault::Http503,
    Fault::Csrf,
    Fault::ResultFalse,
    Fault::Error0,
    Fault::StatusError,
    Fault::PhpNotice,
    Fault::Http500AfterInsert,
    Fault::Http503AfterInsert,
    Fault::NonJsonAfterInsert,
];

impl Fault {
    /// The knob's name in the JSON.
    pub fn knob(self) -> &'static str {
        match self {
            Fault::Drop => "drop_every",
            Fault::LostAnswer => "lost_answer_every",
            Fault::Http500 => "http500_every",
            Fault::Http502 => "http502_every",
            Fault::Http503 => "http503_every",
            Fault::Csrf => "csrf_every",
            Fault::ResultFalse => "result_false_every",
            Fault::Error0 => "error0_every",
            Fault::StatusError => "status_error_every",
            Fault::PhpNotice => "php_notice_every",
            Fault::Http500AfterInsert => "http500_after_insert_every",
            Fault::Http503AfterInsert => "http503_after_insert_every",
            Fault::NonJsonAfterInsert => "non_json_after_insert_every",
        }
    }

    fn index(self) -> usize {
        ALL.iter()
            .position(|f| *f == self)
            .expect("every fault is listed")
    }
}

/// Which faults a protocol offers, and every key of its knobs object in order (for the
/// words of an unknown key: "expected one of `latency_ms`, …").
pub trait Protocol {
    const FAULTS: &'static [Fault];
    const KEYS: &'static [&'static str];
}

/// One protocol's fault knobs: `latency_ms` and its "every N" faults, each off when
/// `null` or `0`.
pub struct Faults<P> {
    /// Delay before answering every request of the protocol.
    pub latency_ms: u64,
    every: [Option<u64>; ALL.len()],
    protocol: PhantomData<P>,
}

impl<P: Protocol> Faults<P> {
    /// The knob of `fault` (`None`: off).
    pub fn every(&self, fault: Fault) -> Option<u64> {
        self.every[fault.index()]
    }

    /// Sets the knob of `fault` (`Some(0)` is off). A fault the protocol does not offer
    /// is left off.
    pub fn set(&mut self, fault: Fault, every: Option<u64>) {
        if P::FAULTS.contains(&fault) {
            self.every[fault.index()] = every.filter(|n| *n > 0);
        }
    }

    /// Is request number `count` hit by `fault`?
    pub fn hits(&self, fault: Fault, count: u64) -> bool {
        crate::util::every_hit(self.every(fault), count)
    }
}

/// Waits `latency_ms` (not at all when 0): a protocol's delay before answering.
pub async fn pause(latency_ms: u64) {
    if latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
}

impl<P> Default for Faults<P> {
    fn default() -> Self {
        Faults {
            latency_ms: 0,
            every: [None; ALL.len()],
            protocol: PhantomData,
        }
    }
}

impl<P> Clone for Faults<P> {
    fn clone(&self) -> Self {
        Faults {
            latency_ms: self.latency_ms,
            every: self.every,
            protocol: PhantomData,
        }
    }
}

impl<P> PartialEq for Faults<P> {
    fn eq(&self, other: &Self) -> bool {
        self.latency_ms == other.latency_ms && self.every == other.every
    }
}

impl<P: Protocol> fmt::Debug for Faults<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        map.entry(&"latency_ms", &self.latency_ms);
        for fault in P::FAULTS {
            map.entry(&fault.knob(), &self.every(*fault));
        }
        map.finish()
    }
}

/// `latency_ms`, then each offered knob (`null` when off), beside the protocol's other
/// knobs (the field holding it is `#[serde(flatten)]`).
impl<P: Protocol> Serialize for Faults<P> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1 + P::FAULTS.len()))?;
        map.serialize_entry("latency_ms", &self.latency_ms)?;
        for fault in P::FAULTS {
            map.serialize_entry(fault.knob(), &self.every(*fault))?;
        }
        map.end()
    }
}

/// Reads the keys the protocol's other knobs left (the field holding it is
/// `#[serde(flatten)]`): `latency_ms` and the offered knobs; any other key is unknown,
/// in the words serde gives for a struct of all the protocol's [`Protocol::KEYS`].
impl<'de, P: Protocol> Deserialize<'de> for Faults<P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys<P>(PhantomData<P>);

        impl<'de, P: Protocol> Visitor<'de> for Keys<P> {
            type Value = Faults<P>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the fault knobs")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Faults<P>, A::Error> {
                let mut faults = Faults::<P>::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "latency_ms" {
                        faults.latency_ms = map.next_value()?;
                        continue;
                    }
                    let Some(fault) = P::FAULTS.iter().find(|f| f.knob() == key) else {
                        return Err(de::Error::unknown_field(&key, P::KEYS));
                    };
                    // `null` and `0` both mean "off".
                    let every: Option<u64> = map.next_value()?;
                    faults.set(*fault, every);
                }
                Ok(faults)
            }
        }

        deserializer.deserialize_map(Keys(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Two;

    impl Protocol for Two {
        const FAULTS: &'static [Fault] = &[Fault::Http500, Fault::Http500AfterInsert];
        const KEYS: &'static [&'static str] = &[
            "latency_ms",
            "realm",
            "http500_every",
            "http500_after_insert_every",
        ];
    }

    #[test]
    fn a_protocol_offers_its_own_knobs_only() {
        let faults: Faults<Two> =
            serde_json::from_value(json!({"http500_every": 3, "http500_after_insert_every": 0}))
                .unwrap();
        assert_eq!(faults.every(Fault::Http500), Some(3));
        assert_eq!(faults.every(Fault::Http500AfterInsert), None);
        assert!(faults.hits(Fault::Http500, 6) && !faults.hits(Fault::Http500, 7));
        assert_eq!(
            serde_json::to_value(&faults).unwrap(),
            json!({"latency_ms": 0, "http500_every": 3, "http500_after_insert_every": null})
        );
        let refused = serde_json::from_value::<Faults<Two>>(json!({"drop_every": 1}));
        assert_eq!(
            refused.err().unwrap().to_string(),
            "unknown field `drop_every`, expected one of `latency_ms`, `realm`, `http500_every`, `http500_after_insert_every`"
        );
        let mut faults = Faults::<Two>::default();
        faults.set(Fault::Drop, Some(2));
        assert_eq!(faults.every(Fault::Drop), None, "not offered: stays off");
    }
}
