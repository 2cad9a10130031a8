//! Shared helpers of the integration tests: the protocol vectors, from `test-support`.
#![allow(unused_imports)]

pub use test_support::vectors::{hex, load, s};
