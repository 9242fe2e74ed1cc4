//! A hash that gives the same number for the same input everywhere: on
//! every platform, endianness, Rust version and run. What assigns customers
//! to the arms of an [`Experiment`](crate::Experiment), and the documented
//! way for a host to make a seed (for sampling, say) from a customer id and
//! a day.
//!
//! std's `DefaultHasher` makes no such promise (its algorithm may change
//! between Rust versions, and `RandomState` differs per process), so a
//! stored assignment could move; this one is fixed by its tests.

use crate::time::Timestamp;

/// The FNV-1a 64-bit offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// The FNV-1a 64-bit prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// A hash of a sequence of parts (byte strings, text, integers) that is the
/// same for the same parts on every machine, forever.
///
/// # Algorithm
///
/// Each part is written as its length in bytes (a `u64`, 8 bytes
/// little-endian) followed by its bytes, so `["ab", "c"]` and `["a", "bc"]`
/// differ; integers are written as a part of their 8 little-endian bytes.
/// The bytes go through 64-bit FNV-1a (offset basis
/// `0xcbf29ce484222325`, prime `0x100000001b3`), and
/// [`finish`](StableHasher::finish) passes the FNV state through the
/// `SplitMix64` finalizer (`z ^= z >> 30; z *= 0xbf58476d1ce4e5b9;
/// z ^= z >> 27; z *= 0x94d049bb133111eb; z ^= z >> 31`, wrapping), which
/// spreads every input bit over every output bit. The algorithm is part of
/// the crate's contract: changing it would move customers between arms,
/// and the tests pin known values.
///
/// The hash is not cryptographic: it spreads ids evenly, but someone who
/// chooses ids could choose their arm.
///
/// Hashing allocates nothing; the cost is linear in the bytes hashed.
///
/// # Example
///
/// ```
/// use buyer_journey::StableHasher;
///
/// let seed = StableHasher::new().str("customer-42").i64(20_000).finish();
/// assert_eq!(seed, StableHasher::new().str("customer-42").i64(20_000).finish());
/// assert_ne!(seed, StableHasher::new().str("customer-42").i64(20_001).finish());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StableHasher {
    state: u64,
}

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher::new()
    }
}

impl StableHasher {
    /// A hasher that has hashed nothing yet.
    ///
    /// ```
    /// use buyer_journey::StableHasher;
    ///
    /// assert_eq!(StableHasher::new().finish(), StableHasher::default().finish());
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        StableHasher { state: FNV_OFFSET }
    }

    /// The hasher with one more part, `bytes`.
    ///
    /// ```
    /// use buyer_journey::StableHasher;
    ///
    /// let split = |a: &[u8], b: &[u8]| StableHasher::new().bytes(a).bytes(b).finish();
    /// assert_ne!(split(b"ab", b"c"), split(b"a", b"bc"));
    /// ```
    #[must_use]
    pub fn bytes(self, bytes: &[u8]) -> Self {
        self.raw(&(bytes.len() as u64).to_le_bytes()).raw(bytes)
    }

    /// The hasher with one more part, the UTF-8 bytes of `text`.
    ///
    /// ```
    /// use buyer_journey::StableHasher;
    ///
    /// assert_eq!(
    ///     StableHasher::new().str("c-1").finish(),
    ///     StableHasher::new().bytes(b"c-1").finish(),
    /// );
    /// ```
    #[must_use]
    pub fn str(self, text: &str) -> Self {
        self.bytes(text.as_bytes())
    }

    /// The hasher with one more part, the 8 little-endian bytes of `n`.
    ///
    /// ```
    /// use buyer_journey::StableHasher;
    ///
    /// assert_eq!(
    ///     StableHasher::new().u64(7).finish(),
    ///     StableHasher::new().bytes(&7u64.to_le_bytes()).finish(),
    /// );
    /// ```
    #[must_use]
    pub fn u64(self, n: u64) -> Self {
        self.bytes(&n.to_le_bytes())
    }

    /// The hasher with one more part, the 8 little-endian bytes of `n`
    /// (two's complement).
    ///
    /// ```
    /// use buyer_journey::StableHasher;
    ///
    /// assert_eq!(StableHasher::new().i64(-1).finish(), StableHasher::new().u64(u64::MAX).finish());
    /// ```
    #[must_use]
    pub fn i64(self, n: i64) -> Self {
        self.bytes(&n.to_le_bytes())
    }

    /// The hash of the parts so far.
    ///
    /// ```
    /// use buyer_journey::StableHasher;
    ///
    /// // Pinned: the algorithm never changes.
    /// assert_eq!(StableHasher::new().str("").finish(), 0x813f_0174_a236_7c13);
    /// ```
    #[must_use]
    pub fn finish(self) -> u64 {
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// FNV-1a over `bytes`, with no length before them.
    fn raw(mut self, bytes: &[u8]) -> Self {
        for &byte in bytes {
            self.state = (self.state ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
        }
        self
    }
}

/// The [`StableHasher`] hash of `parts`, each a part of its own.
///
/// ```
/// use buyer_journey::{stable_hash, StableHasher};
///
/// assert_eq!(stable_hash(&["spring-sale", "c-42"]),
///     StableHasher::new().str("spring-sale").str("c-42").finish());
/// ```
#[must_use]
pub fn stable_hash<P: AsRef<[u8]>>(parts: &[P]) -> u64 {
    parts
        .iter()
        .fold(StableHasher::new(), |hasher, part| {
            hasher.bytes(part.as_ref())
        })
        .finish()
}

/// A seed for one customer and one day: the documented way to seed
/// anything random the library does for a customer (Thompson sampling, for
/// one), so that the same customer gets the same draws all day, on every
/// machine, and fresh ones the next day.
///
/// It is the [`StableHasher`] hash of the customer id and the number of
/// whole days (UTC) from the Unix epoch to `now`, counted down for times
/// before it.
///
/// ```
/// use buyer_journey::{daily_seed, Span, StableHasher, Timestamp};
///
/// let evening = Timestamp::from_unix_seconds(1_700_000_000); // 22:13 UTC
/// let later = evening + Span::hours(1);
/// assert_eq!(daily_seed("c-42", evening), daily_seed("c-42", later));
/// assert_ne!(daily_seed("c-42", evening), daily_seed("c-42", evening + Span::days(1)));
/// assert_eq!(daily_seed("c-42", evening), StableHasher::new().str("c-42").i64(19_675).finish());
/// ```
#[must_use]
pub fn daily_seed(customer_id: &str, now: Timestamp) -> u64 {
    let day = now.unix_seconds().div_euclid(86_400);
    StableHasher::new().str(customer_id).i64(day).finish()
}
