//! Scratch kits other than the original library's sprite, served with the same typed
//! [`Registry`](crate::Registry).

pub(crate) mod scratchattach;
