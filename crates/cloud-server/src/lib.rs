//! Embedded cloud server (work in progress).
