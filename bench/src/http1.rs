//! A lean HTTP/1.1 keep-alive client for the read scenarios' load.
//!
//! The load generator shares the machine's two cores with the server and the
//! database, so what it spends per request is taken from both. pgbench, on the
//! database's side, is lean C; reqwest (hyper, a connection pool, a `Url` parsed per
//! request, headers in a map) spent 0.05 ms of CPU on each search page it fetched.
//! This client writes the request line and two headers into a reused buffer, reads
//! the answer into another, and hands back the status and the body, which it finds
//! by `Content-Length` (every answer Driehoek sends to these requests has one).

use std::io;

use memchr::memmem;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One keep-alive connection.
pub struct Connection {
    stream: TcpStream,
    host: String,
    request: Vec<u8>,
    answer: Vec<u8>,
}

impl Connection {
    /// Connects to `base`, an `http://host:port` URL.
    pub async fn open(base: &str) -> io::Result<Self> {
        let host = base.strip_prefix("http://").unwrap_or(base).to_owned();
        let stream = TcpStream::connect(&host).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            host,
            request: Vec::with_capacity(512),
            answer: Vec::with_capacity(64 * 1024),
        })
    }

    /// `GET target` with `key` as its bearer token: the answer's status and body.
    pub async fn get(&mut self, target: &str, key: &str) -> io::Result<(u16, &[u8])> {
        self.request.clear();
        for part in [
            "GET ",
            target,
            " HTTP/1.1\r\nHost: ",
            &self.host,
            "\r\nAuthorization: Bearer ",
            key,
            "\r\n\r\n",
        ] {
            self.request.extend_from_slice(part.as_bytes());
        }
        self.stream.write_all(&self.request).await?;

        self.answer.clear();
        let head_end = loop {
            self.fill().await?;
            if let Some(at) = memmem::find(&self.answer, b"\r\n\r\n") {
                break at + 4;
            }
        };
        let head = &self.answer[..head_end];
        let status = head
            .get(9..12)
            .and_then(|digits| std::str::from_utf8(digits).ok())
            .and_then(|digits| digits.parse().ok())
            .ok_or_else(|| invalid("no status line"))?;
        let length = content_length(head).ok_or_else(|| invalid("no Content-Length"))?;
        while self.answer.len() < head_end + length {
            self.fill().await?;
        }
        if self.answer.len() > head_end + length {
            return Err(invalid("more bytes than the Content-Length"));
        }
        Ok((status, &self.answer[head_end..]))
    }

    /// Reads what the socket has into the answer buffer; a closed socket is an error.
    async fn fill(&mut self) -> io::Result<()> {
        if self.answer.capacity() - self.answer.len() < 16 * 1024 {
            self.answer.reserve(64 * 1024);
        }
        if self.stream.read_buf(&mut self.answer).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// The value of the `Content-Length` header in `head`.
fn content_length(head: &[u8]) -> Option<usize> {
    head.split(|b| *b == b'\n').find_map(|line| {
        let (name, value) = line.split_at(line.iter().position(|b| *b == b':')?);
        if !name.eq_ignore_ascii_case(b"content-length") {
            return None;
        }
        std::str::from_utf8(&value[1..]).ok()?.trim().parse().ok()
    })
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// How often `needle` occurs in `haystack`.
pub fn count(haystack: &[u8], needle: &[u8]) -> usize {
    memmem::find_iter(haystack, needle).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_content_length_in_any_case() {
        let head =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: 1234\r\n\r\n";
        assert_eq!(content_length(head), Some(1234));
        let head = b"HTTP/1.1 200 OK\r\nCONTENT-LENGTH:7\r\n\r\n";
        assert_eq!(content_length(head), Some(7));
        let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        assert_eq!(content_length(head), None);
    }

    #[test]
    fn counts_every_occurrence() {
        assert_eq!(count(br#"[{"format":1},{"format":2}]"#, b"\"format\":"), 2);
        assert_eq!(count(b"[]", b"\"format\":"), 0);
    }
}
