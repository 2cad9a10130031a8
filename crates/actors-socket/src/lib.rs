//! actors-socket (work in progress).
