//! Finding the first byte that needs work in mostly plain text, eight bytes at a time.
//!
//! Escapers (markdown cells, Python `repr`, JSON strings) spend most of their time walking
//! over bytes they copy unchanged. [`find`] tests a whole 64-bit word with bit tricks
//! ([`has_byte`], [`has_less`], [`has_high`]: exact "is there such a byte in the word"
//! tests) and looks at single bytes only in a word that may hold one.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// A word with `byte` in each of its eight bytes.
const fn splat(byte: u8) -> u64 {
    ONES * byte as u64
}

/// Whether one of the word's bytes is `byte`.
pub fn has_byte(word: u64, byte: u8) -> bool {
    let diff = word ^ splat(byte);
    diff.wrapping_sub(ONES) & !diff & HIGHS != 0
}

/// Whether one of the word's bytes is below `bound` (at most 128).
pub fn has_less(word: u64, bound: u8) -> bool {
    word.wrapping_sub(splat(bound)) & !word & HIGHS != 0
}

/// Whether one of the word's bytes is not ASCII.
pub fn has_high(word: u64) -> bool {
    word & HIGHS != 0
}

/// The index of the first byte of `bytes` at or after `from` for which `special` holds.
/// `word_may_hold` must be true of every 8-byte word (little-endian) that holds such a byte;
/// words for which it is false are skipped whole.
pub fn find(
    bytes: &[u8],
    from: usize,
    word_may_hold: impl Fn(u64) -> bool,
    special: impl Fn(u8) -> bool,
) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut chunks = rest.chunks_exact(8);
    let mut at = from;
    for chunk in chunks.by_ref() {
        // One load (a fold over the bytes compiles to eight loads, shifts and ors).
        let Ok(array) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let word = u64::from_le_bytes(array);
        if word_may_hold(word) {
            if let Some(i) = chunk.iter().position(|&b| special(b)) {
                return Some(at + i);
            }
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| special(b))
        .map(|i| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_tests_are_exact() {
        let mut seed: u64 = 7;
        for _ in 0..100_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Bytes drawn mostly from around the bounds tested.
            let word = seed ^ (seed >> 29) & 0x1f1f_1f1f_1f1f_1f1f;
            let bytes = word.to_le_bytes();
            for probe in [0u8, b'\n', b'"', b'\\', b'|', b'`', 0x7f, 0xc2, 0xe2] {
                assert_eq!(has_byte(word, probe), bytes.contains(&probe));
            }
            for bound in [1u8, 0x20, 0x7f, 0x80] {
                assert_eq!(has_less(word, bound), bytes.iter().any(|&b| b < bound));
            }
            assert_eq!(has_high(word), bytes.iter().any(|&b| b >= 0x80));
        }
    }

    #[test]
    fn finds_the_first_special_byte() {
        let text = b"0123456789abcdef|xyz|tail|";
        let bar = |b: u8| b == b'|';
        let word_bar = |w: u64| has_byte(w, b'|');
        for from in 0..=text.len() + 1 {
            let expected = text
                .get(from..)
                .and_then(|rest| rest.iter().position(|&b| b == b'|'))
                .map(|i| i + from);
            assert_eq!(find(text, from, word_bar, bar), expected, "from {from}");
        }
        assert_eq!(find(b"plain text only", 0, word_bar, bar), None);
        assert_eq!(find(b"", 0, word_bar, bar), None);
    }
}
