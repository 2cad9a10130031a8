//! Properties: arbitrary input never panics the server or the client, and messages round
//! trip through the sans-IO client and server in both directions.

#[path = "support/inbound.rs"]
mod inbound;

use actors_security::Security;
use actors_socket::ClientId;
use actors_socket::{connect_insecure, connect_secure, ClientReceiver, ClientRng};
use actors_socket::{
    InboundEvent, InboundLimits, KeyExchange, OutboundMessage, RngRandom, Rotation, SendOptions,
    ServerProtocol,
};
use inbound::feed;
use proptest::prelude::*;
use rand::SeedableRng;
use std::sync::{Arc, OnceLock};

const NOW: u64 = 177_438_700_000;

fn ec() -> Arc<Security> {
    static KEY: OnceLock<Arc<Security>> = OnceLock::new();
    KEY.get_or_init(|| Arc::new(Security::generate_ec()))
        .clone()
}

fn server() -> ServerProtocol {
    let key: Arc<dyn KeyExchange> = ec();
    ServerProtocol::new(Some(key), NOW - 1_000, InboundLimits::default())
}

/// Near-valid FROM_CLIENT values: digits, dashes and dots in packet-like shapes.
fn packetish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[-0-9.]{0,80}",
        "-?[0-9]{0,60}\\.[0-9]{0,12}",
        "1591901060559031514140503205[0-9]{0,40}\\.[0-9]{5,9}",
        "0[0-9]{5,40}\\.[0-9]{5,9}",
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn server_never_panics(values in prop::collection::vec(packetish(), 1..30), dt in 0u64..10_000) {
        let mut p = server();
        for v in &values {
            let _ = feed(&mut p, v, NOW + dt);
        }
        prop_assert!(p.client_count() <= values.len());
    }

    #[test]
    fn client_never_panics(values in prop::collection::vec(packetish(), 1..30), secure in any::<bool>()) {
        let mut rng = ClientRng(rand::rngs::StdRng::seed_from_u64(7));
        let session = if secure {
            let public = actors_security::PublicData::from_map(&ec().public_data()).unwrap();
            connect_secure(&public, 220, NOW, &mut rng).unwrap().0
        } else {
            connect_insecure(220, &mut rng).unwrap().0
        };
        let cid = session.client_id().to_string();
        let mut rx = ClientReceiver::new(session, NOW);
        for (i, v) in values.iter().enumerate() {
            let _ = rx.handle(v, NOW);
            let _ = rx.handle(&format!("{v}.{cid}{v}"), NOW);
            let _ = rx.observe((i % 6) as u8, v, NOW);
        }
    }

    #[test]
    fn round_trip(text in "\\PC{0,400}", secure in any::<bool>(), size in prop::sample::select(vec![60usize, 220, 1000, 98_800])) {
        let mut crng = ClientRng(rand::rngs::StdRng::seed_from_u64(text.len() as u64));
        let mut srng = RngRandom(rand::rngs::StdRng::seed_from_u64(3));
        let (session, connect) = if secure {
            let public = actors_security::PublicData::from_map(&ec().public_data()).unwrap();
            connect_secure(&public, size, NOW, &mut crng).unwrap()
        } else {
            connect_insecure(size, &mut crng).unwrap()
        };
        let mut p = server();
        let mut registered = false;
        for v in &connect {
            for e in feed(&mut p, v, NOW) {
                registered |= matches!(e, InboundEvent::NewClient(_));
            }
        }
        prop_assert!(registered);
        let cid: ClientId = session.client_id();
        let expected = if secure {
            actors_security::sanitize(&text)
        } else {
            actors_security::server_decode(&actors_security::client_encode(&text)).unwrap()
        };
        // Client -> server.
        let values = session.outgoing(&text).unwrap().collect_all(NOW + 1, &mut crng).unwrap();
        let mut got = Vec::new();
        for v in &values {
            for e in feed(&mut p, v, NOW + 2) {
                match e {
                    InboundEvent::Message { text, .. } => got.push(text),
                    InboundEvent::Rejected { reason, .. } => prop_assert!(false, "rejected: {reason}"),
                    _ => {}
                }
            }
        }
        prop_assert_eq!(got, vec![expected.clone()]);
        // Server -> client.
        let key = p.client_key(cid).cloned();
        let options = SendOptions::default().allow_garbled_insecure(false);
        let mut rx = ClientReceiver::new(session, NOW);
        match OutboundMessage::new(cid, &text, key.as_ref(), size, options) {
            Ok(mut out) => {
                let mut done = None;
                let mut rotation = Rotation::new();
                while let Some(set) = out.next_packet(NOW + 3, &mut srng, &mut rotation).unwrap() {
                    done = rx.observe(set.var, &set.value, NOW + 3).or(done);
                }
                let expected = actors_security::sanitize(&text);
                prop_assert_eq!(done, Some(expected));
            }
            Err(e) => prop_assert!(!secure && e.kind() == actors_socket::SocketErrorKind::InsecureTooLong),
        }
    }
}
