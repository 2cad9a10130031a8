//! actors-security (work in progress).
