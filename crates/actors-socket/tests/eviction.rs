//! Eviction (issue #14 item 6): a flood of fake client ids never evicts a client that completed
//! a secure handshake; among the rest the longest idle goes first; limits are configurable and
//! every eviction is an event.

#[path = "support/inbound.rs"]
mod inbound;

use actors_security::Security;
use actors_socket::Rejection;
use actors_socket::{connect_insecure, connect_secure, ClientRng};
use actors_socket::{InboundEvent, InboundLimits, KeyExchange, ServerProtocol};
use inbound::{evicted, feed, messages};
use rand::SeedableRng;
use std::sync::Arc;

const NOW: u64 = 177_438_700_000;

#[test]
fn five_thousand_fake_ids_do_not_evict_an_idle_secure_client() {
    let security = Arc::new(Security::generate_ec());
    let key: Arc<dyn KeyExchange> = security.clone();
    let mut p = ServerProtocol::new(Some(key), NOW - 1_000, InboundLimits::default());
    let public = actors_security::PublicData::from_map(&security.public_data()).unwrap();
    let mut rng = ClientRng(rand::rngs::StdRng::seed_from_u64(1));
    let (real, connect) = connect_secure(&public, 220, NOW, &mut rng).unwrap();
    for v in &connect {
        feed(&mut p, v, NOW);
    }
    assert!(p.has_client(real.client_id()));
    // An idle insecure client, then the flood.
    let (plain, connect) = connect_insecure(220, &mut rng).unwrap();
    for v in &connect {
        feed(&mut p, v, NOW + 1);
    }
    let mut gone = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut fakes = 0;
    let mut seed = 100;
    while fakes < 5_000 && seed < 20_000 {
        seed += 1;
        let mut r = ClientRng(rand::rngs::StdRng::seed_from_u64(seed));
        let (fake, connect) = connect_insecure(220, &mut r).unwrap();
        let id = fake.client_id();
        if id == real.client_id() || id == plain.client_id() || !seen.insert(id) {
            continue;
        }
        fakes += 1;
        for v in &connect {
            gone.extend(evicted(&feed(&mut p, v, NOW + 2)));
        }
    }
    assert_eq!(fakes, 5_000);
    assert_eq!(p.client_count(), 4_096);
    assert!(
        !gone.contains(&real.client_id()),
        "the secure client was evicted"
    );
    assert_eq!(
        gone.first(),
        Some(&plain.client_id()),
        "longest idle goes first"
    );
    assert_eq!(gone.len(), 5_000 + 2 - 4_096);
    // The secure client's next request is still answered.
    let values = real
        .outgoing("ping")
        .unwrap()
        .collect_all(NOW + 3, &mut rng)
        .unwrap();
    let mut got = Vec::new();
    for v in &values {
        got.extend(messages(&feed(&mut p, v, NOW + 4)));
    }
    assert_eq!(got, vec!["ping".to_owned()]);
}

#[test]
fn limits_are_configurable_and_a_table_of_secure_clients_refuses_newcomers() {
    let security = Arc::new(Security::generate_ec());
    let key: Arc<dyn KeyExchange> = security.clone();
    let limits = InboundLimits::default()
        .max_clients(1)
        .secure_idle_expiry(None);
    let mut p = ServerProtocol::new(Some(key), NOW - 1_000, limits);
    let public = actors_security::PublicData::from_map(&security.public_data()).unwrap();
    let mut rng = ClientRng(rand::rngs::StdRng::seed_from_u64(9));
    let (real, connect) = connect_secure(&public, 220, NOW, &mut rng).unwrap();
    for v in &connect {
        feed(&mut p, v, NOW);
    }
    let (other, connect) = connect_insecure(220, &mut rng).unwrap();
    assert_ne!(other.client_id(), real.client_id());
    let events: Vec<InboundEvent> = connect
        .iter()
        .flat_map(|v| feed(&mut p, v, NOW + 1))
        .collect();
    assert!(evicted(&events).is_empty());
    assert!(events.iter().any(|e| matches!(
        e,
        InboundEvent::Rejected {
            reason: Rejection::TableFull,
            ..
        }
    )));
    assert!(p.has_client(real.client_id()) && !p.has_client(other.client_id()));
}
