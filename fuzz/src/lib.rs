//! Shared helpers of the fuzz targets: deterministic random sources (so a crash input
//! replays exactly) and a bounded recording outbox for the cloud server's sans-IO protocol.

use actors_socket::ClientRandom;
use actors_socket::SendRandom;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use scratchcomm_server::Outbox;
use std::cell::RefCell;
use std::rc::Rc;

/// A seeded generator implementing both sides' random hooks.
pub struct Det(pub StdRng);

impl Det {
    /// A generator from a seed taken from the fuzz input.
    pub fn new(seed: u64) -> Det {
        Det(StdRng::seed_from_u64(seed))
    }
}

impl ClientRandom for Det {
    fn id5(&mut self) -> u32 {
        self.0.gen_range(0..=99_999)
    }
    fn suffix(&mut self) -> u64 {
        self.0.gen_range(0..=9_999_999_999)
    }
    fn seed(&mut self) -> u16 {
        self.0.gen_range(1000..=9998)
    }
    fn csprng(&mut self) -> &mut dyn rand::RngCore {
        &mut self.0
    }
}

impl SendRandom for Det {
    fn seed(&mut self) -> u16 {
        self.0.gen_range(1000..=9998)
    }
    fn suffix(&mut self) -> u16 {
        self.0.gen_range(0..=999)
    }
}

/// An outbox that records frames and refuses them once `cap` are queued (a slow client).
#[derive(Clone, Debug)]
pub struct Recorder {
    /// Frames queued so far.
    pub frames: Rc<RefCell<Vec<String>>>,
    /// Most frames queued at once.
    pub cap: usize,
}

impl Recorder {
    /// An empty outbox taking at most `cap` frames.
    pub fn with_cap(cap: usize) -> Recorder {
        Recorder {
            frames: Rc::default(),
            cap,
        }
    }

    /// Frames queued.
    pub fn len(&self) -> usize {
        self.frames.borrow().len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes and returns the queued frames (the client read them).
    pub fn drain(&self) -> Vec<String> {
        std::mem::take(&mut *self.frames.borrow_mut())
    }
}

impl Outbox for Recorder {
    fn offer(&self, frame: &str) -> bool {
        let mut v = self.frames.borrow_mut();
        if v.len() >= self.cap {
            return false;
        }
        v.push(frame.to_owned());
        true
    }
}

/// Bytes as text the way a websocket/JSON peer would hand it over: lossy UTF-8.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}
