//! Bit sets as slices of 64-bit words (bit `i % 64` of word `i / 64` for
//! item `i`): the fired rules, a customer's tags in a batch, the literals of
//! a mask. One reading of the layout for every user.

/// Whether bit `i` of `words` is set; false beyond them.
#[inline]
pub(crate) fn has(words: &[u64], i: usize) -> bool {
    words
        .get(i / 64)
        .is_some_and(|word| word >> (i % 64) & 1 == 1)
}

/// Sets bit `i` of `words`; nothing beyond them.
#[inline]
pub(crate) fn set(words: &mut [u64], i: usize) {
    if let Some(word) = words.get_mut(i / 64) {
        *word |= 1 << (i % 64);
    }
}

/// The positions of the set bits of `words`, lowest first.
#[derive(Debug, Clone)]
pub(crate) struct Ones<'a> {
    words: std::slice::Iter<'a, u64>,
    /// The bits of the current word not yet returned.
    bits: u64,
    /// The position of the current word's first bit.
    base: usize,
}

impl<'a> Ones<'a> {
    pub(crate) fn new(words: &'a [u64]) -> Self {
        Ones {
            words: words.iter(),
            bits: 0,
            // Wraps to 0 at the first word.
            base: 0usize.wrapping_sub(64),
        }
    }
}

impl Iterator for Ones<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.bits = *self.words.next()?;
            self.base = self.base.wrapping_add(64);
        }
        let bit = self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(self.base + bit)
    }
}

#[cfg(test)]
mod tests {
    use super::{has, set, Ones};

    #[test]
    fn set_bits_are_found_in_order() {
        let mut words = [0u64; 3];
        for i in [0, 5, 63, 64, 130, 191] {
            set(&mut words, i);
        }
        set(&mut words, 500); // beyond the words: nothing
        assert_eq!(
            Ones::new(&words).collect::<Vec<_>>(),
            [0, 5, 63, 64, 130, 191]
        );
        assert!(has(&words, 130) && !has(&words, 131) && !has(&words, 500));
        assert_eq!(Ones::new(&[]).next(), None);
    }
}
