//! Reading a key of a JSON object the cheapest way for its size.
//!
//! serde_json's `Map` (an `IndexMap` with `preserve_order`) hashes the key with SipHash on
//! every lookup. For the small objects read on every command (a user profile, the 13-key IAM
//! result) comparing the keys one by one costs fewer instructions than hashing one.

use serde_json::{Map, Value};

/// Objects up to this many keys are searched key by key.
const SCAN_AT_MOST: usize = 16;

/// `map[key]`, as [`Map::get`] gives it.
pub fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if map.len() <= SCAN_AT_MOST {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gets_what_the_map_gets_at_every_size() {
        for size in [0, 1, 2, 15, 16, 17, 40] {
            let map: Map<String, Value> = (0..size)
                .map(|i| (format!("key{i}"), Value::from(i)))
                .collect();
            for probe in ["key0", "key15", "key16", "key39", "key", "key100", ""] {
                assert_eq!(get(&map, probe), map.get(probe), "size {size}, key {probe}");
            }
        }
    }
}
