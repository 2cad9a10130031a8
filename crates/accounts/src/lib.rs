//! Scratch accounts (work in progress).
