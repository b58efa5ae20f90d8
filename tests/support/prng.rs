//! The test PRNG: xorshift64 (Marsaglia 2003, shifts 13, 7, 17). Reproducible
//! noise for tests, nothing cryptographic.

/// The xorshift64 sequence from a non-zero seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seed of the tests that do not care which sequence they get.
    pub const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

    /// The sequence from `seed` (0, a fixed point of xorshift, is replaced by
    /// [`Rng::SEED`]).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 { Rng::SEED } else { seed })
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A value in `0..n` (`n` > 0; the modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// `len` bytes: the low byte of each of the next `len` values.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}
