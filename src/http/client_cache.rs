//! The clients a `serve` process keeps, one per instance configuration (for Okta: URL,
//! credentials, insecure, proxy), so commands reuse connections. The cache holds at most
//! [`CLIENT_CACHE_CAPACITY`] clients and drops the least recently used one beyond that (its
//! connection pool closes with it): a host that sends a new token with every command cannot
//! make the daemon keep a client, and its open connections, per token forever.

/// Most clients kept at once. An engine serves one instance per process in practice; a few
/// spare slots cover token rotation and test setups.
pub const CLIENT_CACHE_CAPACITY: usize = 8;

/// A small least-recently-used map (a `Vec`: lookups compare a handful of keys).
pub struct ClientCache<K, V> {
    /// Most recently used last.
    entries: Vec<(K, V)>,
    capacity: usize,
}

impl<K: PartialEq, V: Clone> ClientCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        ClientCache {
            entries: Vec::new(),
            capacity: capacity.max(1),
        }
    }

    /// The client for `key`, marked as just used.
    pub fn get(&mut self, key: &K) -> Option<V> {
        let index = self.entries.iter().position(|(k, _)| k == key)?;
        let entry = self.entries.remove(index);
        let client = entry.1.clone();
        self.entries.push(entry);
        Some(client)
    }

    /// Keeps `client` for `key`, dropping the least recently used client when full.
    pub fn insert(&mut self, key: K, client: V) {
        self.entries.retain(|(k, _)| *k != key);
        if self.entries.len() >= self.capacity {
            let dropped = self.entries.remove(0);
            tracing::debug!("client cache full; dropping the least recently used client");
            drop(dropped);
        }
        self.entries.push((key, client));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any cloneable value stands for a client here.
    fn client(n: usize) -> String {
        format!("client-{n}")
    }

    #[test]
    fn the_cache_is_bounded_and_keeps_the_recently_used() {
        let mut cache = ClientCache::new(3);
        for n in 0..100 {
            cache.insert(n, client(n));
            assert!(cache.len() <= 3);
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.get(&0).is_none());
        assert!(cache.get(&97).is_some());
        // 97 was just used: inserting one more drops 98, the least recently used.
        cache.insert(100, client(100));
        assert!(cache.get(&97).is_some());
        assert!(cache.get(&98).is_none());
        assert!(cache.get(&99).is_some());
    }
}
