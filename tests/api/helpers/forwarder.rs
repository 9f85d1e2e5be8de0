//! A TCP forwarder for outage tests.

use std::net::SocketAddr;

use tokio::net::{TcpSocket, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// A TCP forwarder standing between the server and `PostgreSQL`: stopping it drops every live connection and
/// refuses new ones, as a network partition or a database restart would.
pub(crate) struct Forwarder {
    pub port: u16,
    upstream: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Forwarder {
    #[expect(
        clippy::unused_async,
        reason = "started like the servers it stands in front of, inside the runtime it binds to"
    )]
    pub(crate) async fn start(port: u16, upstream: SocketAddr) -> Self {
        let socket = TcpSocket::new_v4().expect("a socket");
        socket.set_reuseaddr(true).expect("SO_REUSEADDR");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .expect("binding the forwarder");
        let listener = socket.listen(64).expect("listening");
        let port = listener.local_addr().expect("an address").port();
        let task = tokio::spawn(async move {
            // Dropped with the task when the forwarder stops, which aborts every connection it carries.
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self {
            port,
            upstream,
            task: Some(task),
        }
    }

    pub(crate) async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    pub(crate) async fn restart(&mut self) {
        self.stop().await;
        *self = Self::start(self.port, self.upstream).await;
    }
}

/// The first address `host:port` resolves to.
pub(crate) async fn resolve(host: &str, port: u16) -> SocketAddr {
    tokio::net::lookup_host((host, port))
        .await
        .unwrap_or_else(|e| panic!("resolving {host}:{port}: {e}"))
        .next()
        .unwrap_or_else(|| panic!("no address for {host}:{port}"))
}
