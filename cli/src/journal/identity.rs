//! What a journal is bound to: the input and options it was written for, and
//! the server, app and tenant its rows were sent to. A journal resumed against
//! anything else would skip rows that never reached it, so it is refused.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where the rows of a journal go: the base URL (which is the brand), the app,
/// and the tenant.
///
/// The tenant: a store app names it with its `tenant_key` (`--tenant-key`). A
/// self-built app's `tenant_access_token` answer carries no `tenant_key`, and
/// its token is always for the one tenant that owns the app; so for it the
/// tenant is left unnamed (`tenant_key: None`), and the app id with the base
/// URL stands for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    /// The base URL (`https://open.feishu.cn`, `https://open.larksuite.com`,
    /// a sandbox's), or for an embedded sandbox `sandbox:<run>` (see [`Server::embedded_sandbox`]).
    pub base_url: String,
    /// The app (`cli_...`).
    pub app_id: String,
    /// The store app's tenant; `None` for a self-built app's own tenant.
    pub tenant_key: Option<String>,
}

impl Server {
    /// A server reached at `base_url` as `app_id`, in `tenant_key`'s tenant
    /// (`None`: the self-built app's own).
    pub fn new(base_url: &str, app_id: &str, tenant_key: Option<&str>) -> Server {
        Server {
            base_url: base_url.trim_end_matches('/').to_owned(),
            app_id: app_id.to_owned(),
            tenant_key: tenant_key.map(str::to_owned),
        }
    }

    /// An embedded sandbox (`--sandbox`): its state lives and dies with the
    /// process that started it, so its identity is unique to the run: a
    /// `sandbox:` name (no real base URL has that scheme) with a SHA-256 of
    /// the process id, the time and its loopback URL. No other run, sandbox or
    /// not, ever matches it.
    pub fn embedded_sandbox(loopback_url: &str, app_id: &str) -> Server {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let run = sha256_hex(format!("{}|{nanos}|{loopback_url}", std::process::id()).as_bytes());
        Server {
            base_url: format!("sandbox:{}", &run[..16]),
            app_id: app_id.to_owned(),
            tenant_key: None,
        }
    }

    /// Whether this is an embedded sandbox's run.
    pub fn is_embedded_sandbox(&self) -> bool {
        self.base_url.starts_with("sandbox:")
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_embedded_sandbox() {
            write!(f, "the embedded sandbox of one run ({})", self.base_url)?;
        } else {
            write!(f, "{}", self.base_url)?;
        }
        write!(f, ", app {}", self.app_id)?;
        match &self.tenant_key {
            Some(key) => write!(f, ", tenant_key {key}"),
            None => write!(f, ", the app's own tenant"),
        }
    }
}

/// A journal's whole identity: the input and options ([`Identity::fingerprint`]) and the [`Server`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// SHA-256 (hex) of the input and options, from [`Fingerprint`].
    pub fingerprint: String,
    /// Where the rows go.
    pub server: Server,
}

/// The input-and-options half of a journal's identity: SHA-256 over a byte
/// stream documented here, so that any build of any version computes the same
/// value for the same input (a `std` hasher may change with the compiler).
///
/// The stream: the tag `feishu-perf journal fingerprint 1\n`, then each
/// field as its length in bytes (8 bytes, little-endian) followed by its bytes
/// (UTF-8 for text, 8 bytes little-endian for numbers). The fields, in order:
/// the endpoint id, the options' key, the number of columns, each column's
/// name; then for each row its physical line and each of the job's columns' cell.
#[derive(Clone)]
pub struct Fingerprint(Sha256);

impl Fingerprint {
    /// Starts a fingerprint.
    pub fn new() -> Fingerprint {
        let mut hash = Sha256::new();
        hash.update(b"feishu-perf journal fingerprint 1\n");
        Fingerprint(hash)
    }

    /// Adds a text field.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.bytes(text.as_bytes())
    }

    /// Adds a number.
    pub fn number(&mut self, n: u64) -> &mut Self {
        self.bytes(&n.to_le_bytes())
    }

    fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    /// The SHA-256, 64 lowercase hex digits.
    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

impl Default for Fingerprint {
    fn default() -> Fingerprint {
        Fingerprint::new()
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Fingerprint")
    }
}

/// SHA-256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values are fixed by the documented stream: a change here breaks every journal written.
    #[test]
    fn the_fingerprint_is_a_documented_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut f = Fingerprint::new();
        f.text("performance.v2.metric_detail.import").number(2);
        let mut stream = b"feishu-perf journal fingerprint 1\n".to_vec();
        stream.extend(35u64.to_le_bytes());
        stream.extend(b"performance.v2.metric_detail.import");
        stream.extend(8u64.to_le_bytes());
        stream.extend(2u64.to_le_bytes());
        assert_eq!(f.finish(), sha256_hex(&stream));
        assert_eq!(
            Fingerprint::new().finish(),
            "718ce0533960b5395ff2d49b0245221e1e1796289ec4f851264e2c1173e78346"
        );
    }

    #[test]
    fn sandbox_runs_never_match() {
        let a = Server::embedded_sandbox("http://127.0.0.1:1", "cli_a");
        let b = Server::embedded_sandbox("http://127.0.0.1:1", "cli_a");
        assert_ne!(a, b);
        assert!(a.base_url.starts_with("sandbox:"));
        assert_ne!(a, Server::new("http://127.0.0.1:1", "cli_a", None));
        assert_eq!(
            Server::new("https://open.feishu.cn/", "cli_a", None),
            Server::new("https://open.feishu.cn", "cli_a", None)
        );
    }
}
