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

/// The high bit (0x80) of the word's bytes that are `byte`; a byte just above one that is may
/// be flagged too (a borrow), so the lowest flagged byte is always one, and none is missed.
pub fn byte_mask(word: u64, byte: u8) -> u64 {
    let diff = word ^ splat(byte);
    diff.wrapping_sub(ONES) & !diff & HIGHS
}

/// The high bit of the word's bytes below `bound` (at most 128), as [`byte_mask`] flags them.
pub fn less_mask(word: u64, bound: u8) -> u64 {
    word.wrapping_sub(splat(bound)) & !word & HIGHS
}

/// The high bit of the word's bytes that are not ASCII (exact).
pub fn high_mask(word: u64) -> u64 {
    word & HIGHS
}

/// Whether one of the word's bytes is `byte`.
pub fn has_byte(word: u64, byte: u8) -> bool {
    byte_mask(word, byte) != 0
}

/// Whether one of the word's bytes is below `bound` (at most 128).
pub fn has_less(word: u64, bound: u8) -> bool {
    less_mask(word, bound) != 0
}

/// Whether one of the word's bytes is not ASCII.
pub fn has_high(word: u64) -> bool {
    high_mask(word) != 0
}

/// The index of the first byte of `bytes` at or after `from` for which `special` holds.
/// `word_mask` flags bytes of an 8-byte word (little-endian) with their high bit: it must flag
/// every byte for which `special` holds, and may flag others (each flagged byte is checked
/// with `special`, lowest first). Words with no flag are skipped whole.
pub fn find(
    bytes: &[u8],
    from: usize,
    word_mask: impl Fn(u64) -> u64,
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
        let mut flags = word_mask(u64::from_le_bytes(array)) & HIGHS;
        while flags != 0 {
            // The flag of byte i is bit 8i + 7.
            let index = (flags.trailing_zeros() / 8) as usize;
            if array.get(index).is_some_and(|&byte| special(byte)) {
                return Some(at + index);
            }
            flags &= flags - 1;
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| special(b))
        .map(|i| at + i)
}

/// Calls `visit` with the index of every byte of `bytes` that `word_mask` flags (as for
/// [`find`]: every byte that matters, and maybe some others), in increasing order, reading
/// the text a word at a time; the last bytes are read as a word padded with spaces. `visit`
/// must check the byte itself. Made for escapers: each visit copies the run before a byte
/// that needs an escape, without scanning the word again.
pub fn for_each_flagged(
    bytes: &[u8],
    word_mask: impl Fn(u64) -> u64,
    mut visit: impl FnMut(usize),
) {
    let lowest = |flags: u64| (flags.trailing_zeros() / 8) as usize;
    let mut at = 0;
    let mut words = bytes.chunks_exact(8);
    for chunk in words.by_ref() {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let mut flags = word_mask(u64::from_le_bytes(word)) & HIGHS;
        while flags != 0 {
            visit(at + lowest(flags));
            flags &= flags - 1;
        }
        at += 8;
    }
    let tail = words.remainder();
    if tail.is_empty() {
        return;
    }
    let mut word = [b' '; 8];
    for (slot, &byte) in word.iter_mut().zip(tail) {
        *slot = byte;
    }
    let mut flags = word_mask(u64::from_le_bytes(word)) & HIGHS;
    while flags != 0 {
        let index = lowest(flags);
        if index >= tail.len() {
            break;
        }
        visit(at + index);
        flags &= flags - 1;
    }
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
            // The lowest flagged byte is the first one that matches.
            let lowest = |mask: u64| (mask != 0).then(|| (mask.trailing_zeros() / 8) as usize);
            for probe in [0u8, b'"', b'|', 0xc2] {
                let first = bytes.iter().position(|&b| b == probe);
                assert_eq!(lowest(byte_mask(word, probe)), first);
            }
            let first_control = bytes.iter().position(|&b| b < 0x20);
            assert_eq!(lowest(less_mask(word, 0x20)), first_control);
        }
    }

    #[test]
    fn every_byte_that_matters_is_visited_once_in_order() {
        let text = "ab|cd|efgh|ijklmnop|q|é✓\u{2028}|".as_bytes();
        for len in 0..=text.len() {
            let bytes = &text[..len];
            let mut visited = Vec::new();
            for_each_flagged(
                bytes,
                |w| byte_mask(w, b'|') | high_mask(w),
                |i| visited.push(i),
            );
            assert!(
                visited.windows(2).all(|pair| pair[0] < pair[1]),
                "{visited:?}"
            );
            assert!(visited.iter().all(|&i| i < len));
            let expected: Vec<usize> = (0..len)
                .filter(|&i| bytes[i] == b'|' || bytes[i] >= 0x80)
                .collect();
            let relevant: Vec<usize> = visited
                .iter()
                .copied()
                .filter(|&i| bytes[i] == b'|' || bytes[i] >= 0x80)
                .collect();
            assert_eq!(relevant, expected, "length {len}");
        }
    }

    #[test]
    fn finds_the_first_special_byte() {
        let text = b"0123456789abcdef|xyz|tail|";
        let bar = |b: u8| b == b'|';
        let word_bar = |w: u64| byte_mask(w, b'|');
        for from in 0..=text.len() + 1 {
            let expected = text
                .get(from..)
                .and_then(|rest| rest.iter().position(|&b| b == b'|'))
                .map(|i| i + from);
            assert_eq!(find(text, from, word_bar, bar), expected, "from {from}");
        }
        assert_eq!(find(b"plain text only", 0, word_bar, bar), None);
        // A mask that flags more bytes than are special: the flagged ones are checked in turn.
        let text = "é✓ab€cd\u{2028}é✓\u{2028}".as_bytes();
        let lead = |b: u8| b == 0xe2;
        let first_lead = |from: usize| {
            text.get(from..)
                .and_then(|rest| rest.iter().position(|&b| lead(b)))
                .map(|i| i + from)
        };
        for from in 0..=text.len() {
            assert_eq!(
                find(text, from, high_mask, lead),
                first_lead(from),
                "from {from}"
            );
        }
        assert_eq!(find(b"", 0, word_bar, bar), None);
    }
}
