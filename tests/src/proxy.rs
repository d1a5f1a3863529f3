//! A TCP proxy for fault tests: it stands between a server and Redis or PostgreSQL
//! and, on command, passes traffic, refuses connections, holds every byte (a paused
//! or blackholed server: connections stay open and nothing comes back), answers
//! every Redis command with an error (a read-only replica), or cuts the connections
//! it carries.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Traffic passes.
    None,
    /// Nothing listens: connections are refused.
    Refuse,
    /// Connections are taken and kept, and nothing passes either way.
    Blackhole,
    /// Every Redis command is answered `-READONLY` (on new connections: say `cut` to
    /// end the open ones; they end when the fault does).
    ReadOnly,
}

/// The state the proxy's tasks follow: the fault, and how many cuts were ordered.
#[derive(Debug, Clone, Copy)]
struct Orders {
    fault: Fault,
    cuts: u64,
}

pub struct FaultProxy {
    addr: SocketAddr,
    orders: Arc<watch::Sender<Orders>>,
    /// What clients sent: chunks read (one per command when commands come one at a
    /// time), and commands answered with errors.
    sent: Arc<AtomicU64>,
}

impl FaultProxy {
    /// A proxy on a free local port in front of `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = bind(None).expect("a free port");
        let addr = listener.local_addr().expect("the port");
        let orders = Arc::new(watch::Sender::new(Orders {
            fault: Fault::None,
            cuts: 0,
        }));
        let sent = Arc::new(AtomicU64::new(0));
        tokio::spawn(listen(
            listener,
            addr,
            upstream,
            orders.clone(),
            sent.clone(),
        ));
        Self { addr, orders, sent }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How much clients have sent so far: chunks read, or commands answered with
    /// errors (see [`Fault::ReadOnly`]).
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    pub fn set(&self, fault: Fault) {
        self.orders.send_modify(|o| o.fault = fault);
    }

    /// Ends every connection the proxy carries now.
    pub fn cut(&self) {
        self.orders.send_modify(|o| o.cuts += 1);
    }

    /// As if the server stopped: open connections end, new ones are refused.
    pub fn stop(&self) {
        self.orders.send_modify(|o| {
            o.fault = Fault::Refuse;
            o.cuts += 1;
        });
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // Ends the listener and every connection.
        self.orders.send_modify(|o| {
            o.fault = Fault::Refuse;
            o.cuts += 1;
        });
    }
}

fn bind(addr: Option<SocketAddr>) -> std::io::Result<tokio::net::TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))))?;
    socket.listen(128)
}

async fn listen(
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    upstream: SocketAddr,
    orders: Arc<watch::Sender<Orders>>,
    sent: Arc<AtomicU64>,
) {
    let mut listener = Some(listener);
    let mut watching = orders.subscribe();
    loop {
        let fault = watching.borrow_and_update().fault;
        if Arc::strong_count(&orders) == 1 {
            return; // the proxy is gone
        }
        match (fault, &listener) {
            (Fault::Refuse, Some(_)) => listener = None,
            (Fault::Refuse, None) => {}
            (_, None) => listener = bind(Some(addr)).ok(),
            (_, Some(_)) => {}
        }
        let Some(open) = &listener else {
            if watching.changed().await.is_err() {
                return;
            }
            continue;
        };
        tokio::select! {
            accepted = open.accept() => {
                if let Ok((client, _)) = accepted {
                    tokio::spawn(carry(client, upstream, orders.subscribe(), sent.clone()));
                }
            }
            changed = watching.changed() => if changed.is_err() { return },
        }
    }
}

/// Carries one connection until either side ends it or a cut is ordered.
async fn carry(
    client: TcpStream,
    upstream: SocketAddr,
    mut orders: watch::Receiver<Orders>,
    chunks: Arc<AtomicU64>,
) {
    let start = *orders.borrow_and_update();
    let mut cuts = orders.clone();
    let cut = async move {
        let _ = cuts.wait_for(|o| o.cuts != start.cuts).await;
    };
    let work = async move {
        if start.fault == Fault::ReadOnly {
            // Until the fault ends; then the connection ends too, as when a replica
            // restarts as a primary.
            let ended = orders.wait_for(|o| o.fault != Fault::ReadOnly);
            tokio::select! {
                () = answer_read_only(client, &chunks) => {}
                _ = ended => {}
            }
            return;
        }
        let Ok(server) = TcpStream::connect(upstream).await else {
            return;
        };
        let (client_read, client_write) = client.into_split();
        let (server_read, server_write) = server.into_split();
        tokio::select! {
            () = pump(client_read, server_write, orders.clone(), Some(chunks)) => {}
            () = pump(server_read, client_write, orders, None) => {}
        }
    };
    tokio::select! {
        () = cut => {}
        () = work => {}
    }
}

/// Copies `from` to `to`, counting the chunks read; while the proxy blackholes it
/// keeps reading and holds what it read, and sends it on, in order, when the fault
/// ends.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut orders: watch::Receiver<Orders>,
    chunks: Option<Arc<AtomicU64>>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    let mut held: Vec<u8> = Vec::new();
    loop {
        let blackholed = orders.borrow_and_update().fault == Fault::Blackhole;
        if !blackholed && !held.is_empty() {
            if to.write_all(&held).await.is_err() {
                return;
            }
            held.clear();
        }
        tokio::select! {
            read = from.read(&mut buffer) => {
                let n = match read {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if let Some(chunks) = &chunks {
                    chunks.fetch_add(1, Ordering::Relaxed);
                }
                if orders.borrow().fault == Fault::Blackhole {
                    held.extend_from_slice(&buffer[..n]);
                } else if to.write_all(&buffer[..n]).await.is_err() {
                    return;
                }
            }
            changed = orders.changed() => if changed.is_err() { return },
        }
    }
}

/// Answers each RESP command (an array of bulk strings) with a READONLY error.
async fn answer_read_only(mut client: TcpStream, commands: &AtomicU64) {
    let mut pending = Vec::new();
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let Ok(n) = client.read(&mut buffer).await else {
            return;
        };
        if n == 0 {
            return;
        }
        pending.extend_from_slice(&buffer[..n]);
        while let Some(used) = one_command(&pending) {
            pending.drain(..used);
            commands.fetch_add(1, Ordering::Relaxed);
            let error = b"-READONLY You can't write against a read only replica.\r\n";
            if client.write_all(error).await.is_err() {
                return;
            }
        }
    }
}

/// The length of the first complete command in `bytes`, if there is one.
fn one_command(bytes: &[u8]) -> Option<usize> {
    let line = |from: usize| -> Option<(usize, usize)> {
        let end = bytes[from..].windows(2).position(|w| w == b"\r\n")? + from;
        let number = std::str::from_utf8(&bytes[from + 1..end])
            .ok()?
            .parse()
            .ok()?;
        Some((number, end + 2))
    };
    let (parts, mut at) = line(0)?;
    for _ in 0..parts {
        let (length, start): (usize, usize) = line(at)?;
        at = start + length + 2;
        if at > bytes.len() {
            return None;
        }
    }
    Some(at)
}
