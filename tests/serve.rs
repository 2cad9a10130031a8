//! `scratchcomm serve` as a real child process: its `--data` file survives `kill -9`, and it
//! serves `wss://` with `--tls-cert`/`--tls-key`. Loopback only; every wait is bounded.

mod serve {
    pub mod support;

    mod data;
    mod tls;
}
