//! Random names and tokens for what xtask starts: databases, bench runs, the console's token.

use anyhow::Result;

/// `bytes` random bytes from the OS, as lowercase hex.
pub fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// An admin token the server accepts as a bootstrap token: `kr_` and 256 random bits.
pub fn random_token() -> Result<String> {
    Ok(format!("kr_{}", random_hex(32)?))
}
