//! The webhook's cryptography, as Feishu and the official SDKs define it
//! (`larkevent.Signature` and `larkevent.EventDecrypt` of the Go SDK, `AESCipher` of the Node SDK):
//!
//! - `X-Lark-Signature` = hex(SHA-256(timestamp + nonce + encrypt key + raw body));
//! - `{"encrypt": B}`: B is base64 of IV (16 bytes) + AES-256-CBC ciphertext (PKCS#7 padded),
//!   the key being SHA-256 of the encrypt key.

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use sha2::{Digest, Sha256};

type Decryptor = cbc::Decryptor<aes::Aes256>;

/// The largest `encrypt` value read (base64 characters): a larger one is refused before decoding.
pub const MAX_ENCRYPTED_LEN: usize = 8 << 20;

/// The expected `X-Lark-Signature` of a request, lowercase hex.
pub fn signature(timestamp: &str, nonce: &str, encrypt_key: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(timestamp.as_bytes());
    h.update(nonce.as_bytes());
    h.update(encrypt_key.as_bytes());
    h.update(body);
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// Whether two strings are equal, in time that depends only on their lengths.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why an `encrypt` value could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecryptError {
    /// Longer than [`MAX_ENCRYPTED_LEN`].
    TooLong,
    /// Not base64.
    NotBase64,
    /// Shorter than an IV and one block, or not whole blocks.
    BadLength,
    /// The padding is wrong: the key is not the one it was encrypted with, or it was altered.
    BadPadding,
}

impl std::fmt::Display for DecryptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DecryptError::TooLong => "the encrypted value is too long",
            DecryptError::NotBase64 => "the encrypted value is not base64",
            DecryptError::BadLength => "the encrypted value is not an IV and whole AES blocks",
            DecryptError::BadPadding => {
                "the encrypted value does not decrypt with this encrypt key (wrong key or altered)"
            }
        })
    }
}

impl std::error::Error for DecryptError {}

/// Decrypts an `encrypt` value with the app's encrypt key.
pub fn decrypt(encrypt: &str, encrypt_key: &str) -> Result<Vec<u8>, DecryptError> {
    if encrypt.len() > MAX_ENCRYPTED_LEN {
        return Err(DecryptError::TooLong);
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encrypt.trim())
        .map_err(|_| DecryptError::NotBase64)?;
    if raw.len() < 32 || raw.len() % 16 != 0 {
        return Err(DecryptError::BadLength);
    }
    let key: [u8; 32] = Sha256::digest(encrypt_key.as_bytes()).into();
    let (iv, data) = raw.split_at(16);
    let iv: [u8; 16] = iv.try_into().expect("16 bytes");
    Decryptor::new(&key.into(), &iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(data)
        .map_err(|_| DecryptError::BadPadding)
}
