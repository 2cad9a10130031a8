//! Sans-IO server side of FROM_CLIENT (§3.4, §3.5): one [`ServerProtocol`] per socket, fed
//! every update of `FROM_CLIENT`, returning what happened as [`InboundEvent`]s.
//!
//! Differences from the reference, all allowed by §9: key fragments are stored per client
//! (S8), salt freshness is per client and accepts equal salts from one client (S7, C9) while
//! still rejecting an exact replay, every rejection is reported (S10). Memory is bounded by
//! [`InboundLimits`]; the least recently active client is evicted when the client table is
//! full.

use super::clients::{ClientState, ClientTable, SecureState};
use super::events::{InboundEvent, InboundLimits, KeyExchange, NewClient, Update};
use super::fragments::FragmentStore;
use crate::error::Rejection;
use crate::types::{Centis, ClientId};
use actors_security::server_decode;
use actors_security::CipherKey;
use actors_security::{check_connect_salt, ServerReplayGuard};
use std::sync::Arc;

/// `client_encode("_safe_connect:")` is 28 digits; the head of every packet is decoded from
/// that many digits.
const HEAD_DIGITS: usize = 28;
/// Salt / activity id digits at the end of secure bodies.
const SALT_DIGITS: usize = 15;

/// The inbound state machine of one cloud socket.
pub struct ServerProtocol {
    key: Option<Arc<dyn KeyExchange>>,
    created: Centis,
    limits: InboundLimits,
    fragments: FragmentStore,
    clients: ClientTable,
}

impl std::fmt::Debug for ServerProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerProtocol")
            .field("secure", &self.key.is_some())
            .field("created", &self.created)
            .field("clients", &self.clients.len())
            .field("fragments", &self.fragments.len())
            .finish()
    }
}

/// The parts of a FROM_CLIENT value (§3.4), borrowed from the dash-free text.
struct Parsed<'a> {
    kind: u8,
    body: &'a str,
    client_id: ClientId,
}

fn parse(v: &str) -> Result<Parsed<'_>, (Option<ClientId>, Rejection)> {
    let bad = |what| (None, Rejection::Malformed(what));
    let dot = v.find('.').ok_or_else(|| bad("no '.'"))?;
    let client_id = v
        .get(dot + 1..dot + 6)
        .and_then(|t| ClientId::parse(t).ok())
        .ok_or_else(|| bad("no 5-digit client id after the first '.'"))?;
    let bad = |what| (Some(client_id), Rejection::Malformed(what));
    let kind = *v.as_bytes().first().ok_or_else(|| bad("empty value"))?;
    if !kind.is_ascii_digit() {
        return Err(bad("first character is not a digit"));
    }
    let body = &v[1..dot];
    if !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("body is not all digits"));
    }
    Ok(Parsed {
        kind,
        body,
        client_id,
    })
}

impl ServerProtocol {
    /// A socket created at `now`; `key` is the server's key exchange for secure clients
    /// (`None`: insecure only, `_safe_connect:` is refused).
    pub fn new(key: Option<Arc<dyn KeyExchange>>, now: Centis, limits: InboundLimits) -> Self {
        ServerProtocol {
            key,
            created: now,
            fragments: FragmentStore::new(limits.fragments),
            clients: ClientTable::new(limits.max_clients, limits.remembered_connects)
                .with_secure_idle_expiry(limits.secure_idle_expiry),
            limits,
        }
    }

    /// Number of registered clients.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// Whether `id` is registered.
    pub fn has_client(&self, id: ClientId) -> bool {
        self.clients.get(id).is_some()
    }

    /// The key of a registered secure client.
    pub fn client_key(&self, id: ClientId) -> Option<&CipherKey> {
        self.clients.get(id)?.secure.as_ref().map(|s| &s.key)
    }

    /// Forgets a client (the application closed it). Its pending buffer is dropped.
    pub fn remove_client(&mut self, id: ClientId) -> bool {
        self.clients.remove(id)
    }

    /// Runs §3.5 when `name` (without the cloud prefix) is `FROM_CLIENT`; updates of any
    /// other variable (e.g. the socket's own `TO_CLIENT_n`) do nothing.
    pub fn handle_variable(&mut self, name: &str, update: Update<'_>) -> Vec<InboundEvent> {
        if name == "FROM_CLIENT" {
            self.handle(update)
        } else {
            Vec::new()
        }
    }

    /// Runs §3.5 for one update of `FROM_CLIENT`.
    pub fn handle(&mut self, update: Update<'_>) -> Vec<InboundEvent> {
        let mut events = Vec::new();
        if let Err((client_id, reason)) = self.handle_inner(update, &mut events) {
            events.push(InboundEvent::Rejected { client_id, reason });
        }
        events
    }

    fn handle_inner(
        &mut self,
        up: Update<'_>,
        events: &mut Vec<InboundEvent>,
    ) -> Result<(), (Option<ClientId>, Rejection)> {
        if up.value.len() > self.limits.max_value_chars {
            return Err((None, Rejection::Malformed("value too long")));
        }
        let more = up.value.contains('-');
        let v: String = up.value.chars().filter(|&c| c != '-').collect();
        let p = parse(&v)?;
        let cid = p.client_id;
        let err = |r| (Some(cid), r);
        if p.kind == b'0' {
            if p.body.len() < 5 {
                return Err(err(Rejection::Malformed(
                    "key fragment without a 5-digit id",
                )));
            }
            let (fid, frag) = p.body.split_at(5);
            self.fragments.store(cid, fid, frag).map_err(err)?;
            events.push(InboundEvent::FragmentStored {
                client_id: cid,
                fragment_id: fid.to_owned(),
            });
            return Ok(());
        }
        let head_digits = &p.body[..p.body.len().min(HEAD_DIGITS)];
        let head = server_decode(head_digits).unwrap_or_default();
        let safe = head.starts_with("_safe_connect:");
        let is_connect = safe || head.starts_with("_connect");
        let known_secure = self.clients.get(cid).map(|c| c.secure.is_some());
        match (is_connect, known_secure) {
            (false, Some(false)) => self.insecure_part(cid, p.body, more, events).map_err(err),
            (false, Some(true)) => self
                .secure_part(cid, p.body, more, up.now, events)
                .map_err(err),
            _ => self
                .connect(cid, p.body, safe, is_connect, up, events)
                .map_err(err),
        }
    }

    fn insecure_part(
        &mut self,
        cid: ClientId,
        body: &str,
        more: bool,
        events: &mut Vec<InboundEvent>,
    ) -> Result<(), Rejection> {
        self.clients.append(cid, body, &self.limits)?;
        events.push(InboundEvent::MessagePart {
            client_id: cid,
            part: body.to_owned(),
            last: !more,
        });
        if !more {
            let digits = self.clients.take_buffer(cid);
            let text = server_decode(&digits).map_err(|_| Rejection::Malformed("bad digits"))?;
            events.push(InboundEvent::Message {
                client_id: cid,
                text,
            });
        }
        Ok(())
    }

    fn secure_part(
        &mut self,
        cid: ClientId,
        body: &str,
        more: bool,
        now: Centis,
        events: &mut Vec<InboundEvent>,
    ) -> Result<(), Rejection> {
        if body.len() < SALT_DIGITS {
            return Err(Rejection::Malformed("secure packet shorter than its salt"));
        }
        let (cipher_digits, salt_text) = body.split_at(body.len() - SALT_DIGITS);
        let salt: Centis = salt_text
            .parse()
            .map_err(|_| Rejection::Malformed("salt"))?;
        let Some(SecureState { key, guard, .. }) =
            self.clients.get(cid).and_then(|c| c.secure.as_ref())
        else {
            return Err(Rejection::Malformed("not a secure client"));
        };
        if let Err(e) = guard.check(salt, body, now) {
            let r = Rejection::from_salt_refusal(&e);
            if r == Rejection::Replayed {
                self.drop_message(cid, more);
            }
            return Err(r);
        }
        let ciphertext = server_decode(cipher_digits).map_err(|_| Rejection::Decrypt)?;
        let plain = key
            .decrypt(&ciphertext, salt)
            .map_err(|_| Rejection::Decrypt)?;
        let Some(s) = self.clients.get_mut(cid).and_then(|c| c.secure.as_mut()) else {
            return Err(Rejection::Malformed("not a secure client"));
        };
        if s.discarding {
            s.guard.commit(salt, body);
            s.discarding = more;
            self.clients.touch(cid, now);
            return Err(Rejection::IncompleteMessage);
        }
        self.clients.append(cid, &plain, &self.limits)?;
        if let Some(s) = self.clients.get_mut(cid).and_then(|c| c.secure.as_mut()) {
            s.guard.commit(salt, body);
        }
        self.clients.touch(cid, now);
        events.push(InboundEvent::MessagePart {
            client_id: cid,
            part: plain,
            last: !more,
        });
        if !more {
            let text = self.clients.take_buffer(cid);
            events.push(InboundEvent::Message {
                client_id: cid,
                text,
            });
        }
        Ok(())
    }

    /// A packet identical to an accepted one (equal salt and body) came again. It is either
    /// a replay or the sprite's own second send of an equal chunk in the same centisecond
    /// with the same random seed (§9 C9); the two cannot be told apart, and accepting it would
    /// let a replay repeat a chunk. Either way the message it belongs to cannot arrive whole:
    /// its pending part is dropped, and, when the packet announced more parts, the rest of
    /// that message too, so a shortened message is never delivered and nothing leaks into
    /// the next one.
    fn drop_message(&mut self, cid: ClientId, more: bool) {
        self.clients.take_buffer(cid);
        if let Some(s) = self.clients.get_mut(cid).and_then(|c| c.secure.as_mut()) {
            s.discarding = more;
        }
    }

    fn connect(
        &mut self,
        cid: ClientId,
        body: &str,
        safe: bool,
        is_connect: bool,
        up: Update<'_>,
        events: &mut Vec<InboundEvent>,
    ) -> Result<(), Rejection> {
        let secure = if safe {
            Some(self.secure_handshake(cid, body, up.now)?)
        } else {
            None
        };
        let (replaced, evicted) =
            self.clients
                .register(cid, ClientState::new(secure.clone()), up.now)?;
        if let Some(client_id) = evicted {
            events.push(InboundEvent::Evicted { client_id });
        }
        events.push(InboundEvent::NewClient(NewClient {
            client_id: cid,
            key: secure.map(|s| s.key),
            source: up.source,
            host: up.host,
            replaced,
            from_connect: is_connect,
        }));
        Ok(())
    }

    fn secure_handshake(
        &mut self,
        cid: ClientId,
        body: &str,
        now: Centis,
    ) -> Result<SecureState, Rejection> {
        let exchange = self.key.clone().ok_or(Rejection::NoServerKey)?;
        if body.len() < HEAD_DIGITS + SALT_DIGITS {
            return Err(Rejection::Malformed("secure connect too short"));
        }
        let (ids, salt_text) = body[HEAD_DIGITS..].split_at(body.len() - HEAD_DIGITS - SALT_DIGITS);
        let salt: Centis = salt_text
            .parse()
            .map_err(|_| Rejection::Malformed("salt"))?;
        check_connect_salt(salt, self.created, self.clients.last_connect(cid), now)
            .map_err(|e| Rejection::from_salt_refusal(&e))?;
        if ids.is_empty() || ids.len() % 5 != 0 {
            return Err(Rejection::Malformed("fragment id list is not 5-digit ids"));
        }
        let fids: Vec<&str> = (0..ids.len() / 5).map(|i| &ids[5 * i..5 * i + 5]).collect();
        let joined = self
            .fragments
            .join(cid, &fids)
            .ok_or(Rejection::MissingFragment)?;
        let key = exchange
            .derive_server_key(&joined, salt)
            .map_err(Rejection::Handshake)?;
        self.fragments.remove(cid, &fids);
        self.clients.remember_connect(cid, salt);
        Ok(SecureState::new(key, ServerReplayGuard::new(salt)))
    }
}
