//! actors-requests (work in progress).
