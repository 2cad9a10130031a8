//! [`Rotation`]: which `TO_CLIENT_<n>` variable each packet of a link goes to.
//!
//! Deviation R1 from the reference (§3.6), found with the real sprite in
//! `tests/interop`: the reference starts every message at `TO_CLIENT_1` and sends its
//! final packet to a *random* variable. The sprite only sees the latest value of each
//! variable, only while its `recv` runs, and handles the changed variables of one poll in
//! the order 1, 2, 3, 4, completing a message at once on its final packet (§4). So the
//! reference loses packets three ways:
//!
//! * **R1**: the random final variable is the previous packet's 1 time in 4 and
//!   overwrites it before the sprite looks;
//! * **C10**: a final packet in a *lower* variable than an unseen earlier packet completes
//!   the message without it;
//! * **R2**: messages to different clients sent 0.1 s apart all start at `TO_CLIENT_1`
//!   and overwrite each other.
//!
//! Instead, one rotation over 1..4 is shared by every client of a link, final packet
//! included, in *runs*: a message's next min(remaining, 4) packets take consecutive
//! variables, and a run that would wrap past `TO_CLIENT_4` starts at `TO_CLIENT_1`. Within
//! a run the variables rise, so a poll never sees a final packet before an earlier one of
//! its run. The sprite accepts a packet in any variable, so this is wire-compatible; for a
//! single client the variables of the non-final packets are the reference's (1, 2, 3, 4,
//! 1, …).
//!
//! The rotation also remembers (a hash of) the last value written to each variable: the
//! sprite ignores a value equal to the variable's previous one (§4), so two identical
//! replies (`pong` twice, same 3-digit random, same variable) would lose the second. The
//! sender redraws its random part until the value differs (`docs/performance.md` H4).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// Number of `TO_CLIENT_<n>` variables.
pub const TO_CLIENT_VARS: u8 = 4;

/// The shared variable rotation of one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    next: u8,
    run_left: usize,
    last_written: [Option<u64>; TO_CLIENT_VARS as usize],
}

impl Default for Rotation {
    fn default() -> Self {
        Rotation::new()
    }
}

impl Rotation {
    /// A rotation whose first packet goes to `TO_CLIENT_1`.
    pub fn new() -> Self {
        Rotation {
            next: 1,
            run_left: 0,
            last_written: [None; TO_CLIENT_VARS as usize],
        }
    }

    /// The variable [`next_var`](Self::next_var) would return, without taking it.
    pub fn peek(&self, remaining: usize) -> u8 {
        if self.run_left > 0 {
            return self.next;
        }
        let run = remaining.clamp(1, usize::from(TO_CLIENT_VARS));
        if usize::from(self.next) + run - 1 > usize::from(TO_CLIENT_VARS) {
            1
        } else {
            self.next
        }
    }

    /// The variable (1..=4) of the next packet of a message that has `remaining` packets
    /// left, this one included. Outside a run, this starts a run of min(remaining, 4)
    /// packets (at `TO_CLIENT_1` if it would wrap).
    pub fn next_var(&mut self, remaining: usize) -> u8 {
        if self.run_left == 0 {
            self.next = self.peek(remaining);
            self.run_left = remaining.clamp(1, usize::from(TO_CLIENT_VARS));
        }
        let var = self.next;
        self.next = var % TO_CLIENT_VARS + 1;
        self.run_left -= 1;
        var
    }

    /// Whether a run is under way (its message must send its next packet before another
    /// message may use the rotation).
    pub fn in_run(&self) -> bool {
        self.run_left > 0
    }

    /// Whether `value` is what was last written to `TO_CLIENT_<var>` (the sprite would not
    /// notice it).
    pub fn repeats(&self, var: u8, value: &str) -> bool {
        let slot = usize::from(var.clamp(1, TO_CLIENT_VARS) - 1);
        self.last_written[slot] == Some(value_hash(value))
    }

    /// Remember `value` as the last one written to `TO_CLIENT_<var>`.
    pub fn record(&mut self, var: u8, value: &str) {
        let slot = usize::from(var.clamp(1, TO_CLIENT_VARS) - 1);
        self.last_written[slot] = Some(value_hash(value));
    }

    /// Abandons the current run (its message failed or was cancelled); the rotation goes on
    /// from the next variable.
    pub fn end_run(&mut self) {
        self.run_left = 0;
    }
}

fn value_hash(value: &str) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_last_value_of_each_variable() {
        let mut r = Rotation::new();
        assert!(!r.repeats(1, "1234.12345000"));
        r.record(1, "1234.12345000");
        assert!(r.repeats(1, "1234.12345000"));
        assert!(!r.repeats(2, "1234.12345000"));
        r.record(1, "other");
        assert!(!r.repeats(1, "1234.12345000"));
    }

    /// The variables of messages of these packet counts, sent one after the other.
    fn plan(counts: &[usize]) -> Vec<Vec<u8>> {
        let mut r = Rotation::new();
        counts
            .iter()
            .map(|&n| (0..n).map(|i| r.next_var(n - i)).collect())
            .collect()
    }

    #[test]
    fn one_client_gets_the_reference_order_final_included() {
        assert_eq!(plan(&[1]), vec![vec![1]]);
        assert_eq!(plan(&[6]), vec![vec![1, 2, 3, 4, 1, 2]]);
        assert_eq!(plan(&[9])[0], vec![1, 2, 3, 4, 1, 2, 3, 4, 1]);
    }

    #[test]
    fn messages_continue_the_rotation_without_reusing_the_last_variable() {
        // R1/R2: consecutive 2-packet replies never put a packet where the one before went.
        let got = plan(&[2, 2, 2, 1, 1, 1, 1]);
        assert_eq!(
            got,
            vec![
                vec![1, 2],
                vec![3, 4],
                vec![1, 2],
                vec![3],
                vec![4],
                vec![1],
                vec![2]
            ]
        );
    }

    #[test]
    fn a_run_that_would_wrap_starts_at_one() {
        // C10: after TO_CLIENT_3 a 2-packet message would be 4, 1: it goes to 1, 2 instead.
        assert_eq!(plan(&[3, 2]), vec![vec![1, 2, 3], vec![1, 2]]);
        // 4 or more packets always start at 1.
        assert_eq!(plan(&[1, 5]), vec![vec![1], vec![1, 2, 3, 4, 1]]);
        // A 3-packet message after one packet fits: 2, 3, 4.
        assert_eq!(plan(&[1, 3]), vec![vec![1], vec![2, 3, 4]]);
    }

    #[test]
    fn every_run_rises_and_finals_are_highest_of_their_run() {
        let mut r = Rotation::new();
        for n in [1, 2, 3, 4, 5, 7, 2, 3, 1, 4, 2, 2, 6] {
            let vars: Vec<u8> = (0..n).map(|i| r.next_var(n - i)).collect();
            for run in vars.chunks(4) {
                assert!(run.windows(2).all(|w| w[0] < w[1]), "{vars:?}");
            }
            assert!(!r.in_run());
        }
    }

    #[test]
    fn peek_matches_next_var_and_end_run_abandons() {
        let mut r = Rotation::new();
        assert_eq!(r.next_var(1), 1);
        assert_eq!(r.peek(4), 1);
        assert_eq!(r.peek(3), 2);
        assert_eq!(r.next_var(3), 2);
        assert!(r.in_run());
        assert_eq!(r.peek(99), 3);
        r.end_run();
        assert!(!r.in_run());
        assert_eq!(r.next_var(2), 3);
        assert_eq!(r.next_var(1), 4);
    }
}
