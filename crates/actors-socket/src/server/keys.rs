//! [`KeyExchange`] for the server key material of `actors-security`.

use super::inbound::KeyExchange;
use crate::types::Centis;
use actors_security::keys::Security;
use actors_security::CipherKey;

impl KeyExchange for Security {
    fn derive_server_key(&self, joined: &str, salt: Centis) -> Result<CipherKey, String> {
        Security::derive_server_key(self, joined, salt).map_err(|e| e.to_string())
    }
}
