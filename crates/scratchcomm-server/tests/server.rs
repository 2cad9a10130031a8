//! Integration tests of the embedded cloud server over real loopback websockets, with a raw
//! awc client. Every wait is bounded by a timeout.

mod server {
    pub mod raw;
    pub mod support;

    mod close_codes;
    mod cluster;
    mod fairness;
    mod half_close;
    mod lifecycle;
    mod messages;
    mod persistence;
    mod robustness;
    mod tls;
    mod wakeups;
}
