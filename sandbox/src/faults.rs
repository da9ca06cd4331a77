//! Fault injection: what the sandbox does instead of (or besides) answering
//! an API call normally.
//!
//! A spec is a comma-separated list. Plain entries form an exact sequence,
//! consumed one per API call (token and control endpoints are never
//! affected); `KIND*N` repeats an entry; entries written `KIND@P` apply with
//! probability `P` to every call after the sequence is used up. Kinds:
//!
//! | kind | effect |
//! |---|---|
//! | `ok` | answer normally |
//! | `500` | HTTP 500 with the page's internal error (1580101; OKR: 1009999), nothing applied |
//! | `exception` | HTTP 500, OKR: 1009998 (system exception); performance: 1580101 |
//! | `502`, `504` | an HTML gateway page, nothing applied |
//! | `drop` | close the connection without answering, nothing applied |
//! | `delay=MS` | wait MS milliseconds, then answer normally |
//! | `truncate` | apply the call, then answer with JSON cut in half |
//! | `revoke` | revoke the caller's tokens: 99991663 until a new one is fetched |
//! | `apply_drop` | apply the write, then close the connection without answering |
//!
//! Example: `500,apply_drop,ok,500@0.05`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// One fault.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Answer normally.
    Ok,
    /// HTTP 500 with the page's internal error: 1580101, OKR 1009999.
    Internal,
    /// HTTP 500: OKR 1009998 (system exception), performance 1580101.
    Exception,
    /// HTTP 502 with an HTML body.
    BadGateway,
    /// HTTP 504 with an HTML body.
    GatewayTimeout,
    /// Close the connection without answering.
    Drop,
    /// Wait, then answer normally.
    Delay(Duration),
    /// Apply, then answer with truncated JSON.
    Truncate,
    /// Revoke the caller's tokens.
    Revoke,
    /// Apply the write, then close the connection without answering.
    ApplyDrop,
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "ok" => Fault::Ok,
            "500" => Fault::Internal,
            "exception" => Fault::Exception,
            "502" => Fault::BadGateway,
            "504" => Fault::GatewayTimeout,
            "drop" => Fault::Drop,
            "truncate" => Fault::Truncate,
            "revoke" => Fault::Revoke,
            "apply_drop" => Fault::ApplyDrop,
            other => {
                match other.strip_prefix("delay=") {
                    Some(ms) => Fault::Delay(Duration::from_millis(ms.parse().map_err(|_| {
                        format!("bad delay `{other}`: expected delay=MILLISECONDS")
                    })?)),
                    None => {
                        return Err(format!(
                            "unknown fault `{other}`: expected ok, 500, 502, 504, drop, delay=MS, truncate, revoke or apply_drop"
                        ));
                    }
                }
            }
        })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Ok => f.write_str("ok"),
            Fault::Internal => f.write_str("500"),
            Fault::Exception => f.write_str("exception"),
            Fault::BadGateway => f.write_str("502"),
            Fault::GatewayTimeout => f.write_str("504"),
            Fault::Drop => f.write_str("drop"),
            Fault::Delay(d) => write!(f, "delay={}", d.as_millis()),
            Fault::Truncate => f.write_str("truncate"),
            Fault::Revoke => f.write_str("revoke"),
            Fault::ApplyDrop => f.write_str("apply_drop"),
        }
    }
}

/// A parsed fault spec and its progress.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    sequence: std::collections::VecDeque<Fault>,
    random: Vec<(Fault, f64)>,
    rng: u64,
}

impl Faults {
    /// Parses a spec (see the module documentation). An empty spec injects nothing.
    pub fn parse(spec: &str) -> Result<Faults, String> {
        let mut faults = Faults {
            rng: 0x9E37_79B9_7F4A_7C15,
            ..Faults::default()
        };
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if let Some((kind, p)) = entry.split_once('@') {
                let p: f64 = p
                    .parse()
                    .map_err(|_| format!("bad probability in `{entry}`"))?;
                if !(0.0..=1.0).contains(&p) {
                    return Err(format!("probability in `{entry}` must be within 0..1"));
                }
                faults.random.push((kind.parse()?, p));
            } else if let Some((kind, n)) = entry.split_once('*') {
                let n: usize = n.parse().map_err(|_| format!("bad count in `{entry}`"))?;
                let fault: Fault = kind.parse()?;
                faults.sequence.extend(std::iter::repeat_n(fault, n));
            } else {
                faults.sequence.push_back(entry.parse()?);
            }
        }
        Ok(faults)
    }

    /// The fault for the next API call.
    pub fn next_fault(&mut self) -> Fault {
        if let Some(fault) = self.sequence.pop_front() {
            return fault;
        }
        for (fault, p) in self.random.clone() {
            // xorshift64*: deterministic for a given spec, no dependency.
            self.rng ^= self.rng >> 12;
            self.rng ^= self.rng << 25;
            self.rng ^= self.rng >> 27;
            let draw =
                (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
            if draw < p {
                return fault;
            }
        }
        Fault::Ok
    }

    /// Faults still queued in the exact sequence.
    pub fn pending(&self) -> usize {
        self.sequence.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_repeat_and_fall_back_to_ok() {
        let mut f = Faults::parse("500, drop*2, delay=20").unwrap();
        assert_eq!(f.next_fault(), Fault::Internal);
        assert_eq!(f.next_fault(), Fault::Drop);
        assert_eq!(f.next_fault(), Fault::Drop);
        assert_eq!(f.next_fault(), Fault::Delay(Duration::from_millis(20)));
        assert_eq!(f.next_fault(), Fault::Ok);
    }

    #[test]
    fn probabilities_apply_after_the_sequence() {
        let mut f = Faults::parse("apply_drop,502@0.5").unwrap();
        assert_eq!(f.next_fault(), Fault::ApplyDrop);
        let hits = (0..1000)
            .filter(|_| f.next_fault() == Fault::BadGateway)
            .count();
        assert!((400..600).contains(&hits), "{hits}");
    }

    #[test]
    fn bad_specs_are_refused() {
        assert!(Faults::parse("boom").is_err());
        assert!(Faults::parse("500@2").is_err());
        assert!(Faults::parse("delay=x").is_err());
    }
}
