//! actors-cloud (work in progress).
