//! Signing and encrypting a delivery as the platform does (the sandbox's own code; the
//! client's is separate, so each checks the other): `X-Lark-Signature` is
//! hex(SHA-256(timestamp + nonce + encrypt key + body)); `{"encrypt": B}` is base64 of a
//! random IV followed by AES-256-CBC (PKCS#7) under SHA-256 of the encrypt key.

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use sha2::{Digest, Sha256};

pub fn sign(timestamp: &str, nonce: &str, key: &str, body: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(timestamp)
        .chain_update(nonce)
        .chain_update(key)
        .chain_update(body)
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn encrypt(plain: &[u8], key: &str, iv: [u8; 16]) -> String {
    let k: [u8; 32] = Sha256::digest(key.as_bytes()).into();
    let sealed = cbc::Encryptor::<aes::Aes256>::new(&k.into(), &iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(plain);
    let mut out = Vec::with_capacity(16 + sealed.len());
    out.extend_from_slice(&iv);
    out.extend_from_slice(&sealed);
    base64::engine::general_purpose::STANDARD.encode(out)
}

#[cfg(test)]
mod tests {
    /// The documentation's example, produced here: key `test key`, `hello world`, and the IV
    /// its blob starts with.
    #[test]
    fn reproduces_the_documented_blob() {
        use base64::Engine;
        let blob = "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=";
        let raw = base64::engine::general_purpose::STANDARD
            .decode(blob)
            .unwrap();
        let iv: [u8; 16] = raw[..16].try_into().unwrap();
        assert_eq!(super::encrypt(b"hello world", "test key", iv), blob);
    }
}
