//! A cap on the connections one source holds open at once (setting `max_connections_per_source`), counted across
//! all workers, so that one address (one IPv6 /64 by default) can't take all of `max_connections` (issue 16). The
//! trusted proxies are exempt: each carries many users.
//!
//! A connection over the cap is answered 503 with `Retry-After` (RFC 9110 §15.6.4, §10.2.3) if the socket can take
//! it at once, and closed; nothing waits on it. A browser behind a large NAT then sees a status it can show and
//! retry, rather than a bare reset; the source holding that many connections already has its answers meanwhile.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::http::client_addr::TrustedProxies;
use crate::values::address::SourceBlock;

/// What a connection over the cap is told before it is closed.
const OVER_CAP: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n\
Content-Length: 0\r\n\r\n";

/// How long the refusal may wait for the socket to be writable (a fresh socket is, within one turn of the reactor).
const REFUSAL_WRITE: Duration = Duration::from_millis(100);

/// Open connections per source, shared by every worker of the process.
#[derive(Debug)]
pub struct SourceConnections {
    open: Mutex<HashMap<SourceBlock, usize>>,
    /// Connections one source may hold; 0: no cap.
    cap: usize,
    ipv6_prefix: u8,
    exempt: TrustedProxies,
}

/// The source of a refused connection was at its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverCap(pub SourceBlock);

impl SourceConnections {
    /// `cap` connections per source (0: none), IPv6 sources grouped by `ipv6_prefix`, `exempt` not counted.
    pub fn new(cap: usize, ipv6_prefix: u8, exempt: TrustedProxies) -> Arc<Self> {
        Arc::new(Self {
            open: Mutex::new(HashMap::new()),
            cap,
            ipv6_prefix,
            exempt,
        })
    }

    /// Counts a new connection from `peer`; the slot gives it back when dropped. `Ok(None)`: not counted (no cap,
    /// an exempt proxy, or a socket whose peer is already gone).
    pub fn admit(self: &Arc<Self>, peer: Option<IpAddr>) -> Result<Option<SourceSlot>, OverCap> {
        let Some(peer) = peer else { return Ok(None) };
        if self.cap == 0 || self.exempt.contains(peer) {
            return Ok(None);
        }
        let block = SourceBlock::of(peer, self.ipv6_prefix);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(block).or_insert(0);
        if *count >= self.cap {
            return Err(OverCap(block));
        }
        *count += 1;
        Ok(Some(SourceSlot {
            sources: Arc::clone(self),
            block,
        }))
    }

    /// Connections `source` holds now.
    pub fn open(&self, source: SourceBlock) -> usize {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.get(&source).copied().unwrap_or(0)
    }

    fn release(&self, block: SourceBlock) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&block) {
            *count -= 1;
            // Sources come and go: the table holds only those with connections open.
            if *count == 0 {
                open.remove(&block);
            }
        }
    }
}

/// One counted connection; dropping it gives the slot back.
#[derive(Debug)]
pub struct SourceSlot {
    sources: Arc<SourceConnections>,
    block: SourceBlock,
}

impl Drop for SourceSlot {
    fn drop(&mut self) {
        self.sources.release(self.block);
    }
}

/// Answers a connection over the cap with a 503 if its socket takes it at once, then closes it.
pub async fn refuse(mut stream: TcpStream) {
    let answer = async {
        stream.writable().await?;
        // What the client already sent is read first, so that the close doesn't reset the connection before the
        // client has read the answer (RFC 9112 §9.6).
        let mut sent = [0u8; 2048];
        let _ = stream.try_read(&mut sent);
        stream.try_write(OVER_CAP)?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(REFUSAL_WRITE, answer).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_source_gets_its_cap_and_its_slots_back() {
        let sources = SourceConnections::new(2, 64, TrustedProxies::default());
        let first = sources.admit(Some(ip("192.0.2.1"))).unwrap();
        let second = sources.admit(Some(ip("192.0.2.1"))).unwrap();
        assert!(
            sources.admit(Some(ip("192.0.2.1"))).is_err(),
            "over the cap"
        );
        assert!(
            sources.admit(Some(ip("192.0.2.2"))).is_ok(),
            "another source"
        );
        drop(first);
        let third = sources.admit(Some(ip("192.0.2.1"))).unwrap();
        drop((second, third));
        assert_eq!(
            sources.open(SourceBlock::of("192.0.2.1".parse().unwrap(), 64)),
            0
        );
        assert!(sources.open.lock().unwrap().is_empty(), "no empty entries");
    }

    #[test]
    fn an_ipv6_subnet_is_one_source() {
        let sources = SourceConnections::new(1, 64, TrustedProxies::default());
        let _held = sources.admit(Some(ip("2001:db8:1:2::1"))).unwrap();
        assert!(sources.admit(Some(ip("2001:db8:1:2:ffff::9"))).is_err());
        assert!(sources.admit(Some(ip("2001:db8:1:3::1"))).is_ok());
    }

    #[test]
    fn trusted_proxies_and_a_cap_of_zero_are_not_counted() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let sources = SourceConnections::new(1, 64, proxies);
        let held: Vec<_> = (0..5)
            .map(|_| sources.admit(Some(ip("10.1.2.3"))).unwrap())
            .collect();
        assert!(held.iter().all(Option::is_none));
        let off = SourceConnections::new(0, 64, TrustedProxies::default());
        assert!((0..5).all(|_| off.admit(Some(ip("192.0.2.1"))).unwrap().is_none()));
    }
}
