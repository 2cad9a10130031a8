//! Client connect (§5.1, §6.2 steps 7–8, §6.3 step 3).

use super::send::{ClientRandom, ClientSession};
use crate::error::SocketError;
use crate::types::{pad15, Centis, ClientId};
use actors_security::CipherKey;

/// `client_encode("_safe_connect:")`.
pub const SAFE_CONNECT_DIGITS: &str = "5919010605590315141405032057";

fn random_client_id(rng: &mut dyn ClientRandom) -> ClientId {
    ClientId::wrapping(rng.id5())
}

/// `[cloud socket] connect insecurely`: a new client id and the `_connect` message.
/// `packet_size` is the resolved size ([`PacketSize::resolve`](crate::PacketSize::resolve)).
///
/// # Errors
///
/// A [`SocketError`](crate::SocketError) when `packet_size` is 0 or too small for a connect message.
pub fn connect_insecure(
    packet_size: usize,
    rng: &mut dyn ClientRandom,
) -> Result<(ClientSession, Vec<String>), SocketError> {
    let session = ClientSession::new(random_client_id(rng), None, packet_size)?;
    let values = session.outgoing("_connect")?.collect_all(0, rng)?;
    Ok((session, values))
}

/// The FROM_CLIENT values of a secure connect once the key exchange is done:
/// `fragment_payload` (E for EC, C for RSA) cut into key fragments with fresh, distinct
/// fragment ids, then the `_safe_connect:` packet naming them with activity id `salt`.
///
/// # Errors
///
/// A [`SocketError`](crate::SocketError) when the payload cannot be cut into fragments that fit `packet_size`.
pub fn secure_connect_values(
    client_id: ClientId,
    key: CipherKey,
    fragment_payload: &str,
    salt: Centis,
    packet_size: usize,
    rng: &mut dyn ClientRandom,
) -> Result<(ClientSession, Vec<String>), SocketError> {
    let session = ClientSession::new(client_id, Some(key), packet_size)?;
    if !fragment_payload.bytes().all(|b| b.is_ascii_digit()) || fragment_payload.is_empty() {
        return Err(SocketError::invalid("key fragment payload must be digits"));
    }
    let mut values = Vec::new();
    let mut fids: Vec<String> = Vec::new();
    for piece in fragment_payload.as_bytes().chunks(session.packet_size) {
        let fid = loop {
            let f = format!("{:05}", rng.id5() % 100_000);
            if !fids.contains(&f) {
                break f;
            }
        };
        let piece = String::from_utf8_lossy(piece);
        values.push(format!("0{fid}{piece}{}", session.suffix(rng)));
        fids.push(fid);
    }
    values.push(format!(
        "1{SAFE_CONNECT_DIGITS}{}{}{}",
        fids.concat(),
        pad15(salt),
        session.suffix(rng)
    ));
    Ok((session, values))
}

/// `[cloud socket] connect securely` from the project's public data (§6.1): EC or RSA key
/// exchange at activity id `now` (round(100 × time)).
///
/// # Errors
///
/// A [`SocketError`](crate::SocketError) when the public data is unusable or the key exchange fails.
pub fn connect_secure(
    public: &actors_security::PublicData,
    packet_size: usize,
    now: Centis,
    rng: &mut dyn ClientRandom,
) -> Result<(ClientSession, Vec<String>), SocketError> {
    let client_id = random_client_id(rng);
    let hs = actors_security::client_handshake(public, now, &mut rng.csprng())?;
    secure_connect_values(
        client_id,
        hs.key,
        &hs.fragment_payload,
        now,
        packet_size,
        rng,
    )
}
