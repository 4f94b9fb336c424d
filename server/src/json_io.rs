//! JSON bodies for the few errors hyper answers itself, before any request reaches the router.
//!
//! Every error of the API is JSON `{code, message}`; the router's last layer makes sure of that
//! for everything that reaches it. But when hyper cannot read a request head at all (a
//! malformed head: `400`; a head over the 16 KiB buffer: `431`; a URI too long: `414`; an
//! unsupported HTTP version: `505`), it writes a status line with `content-length: 0` itself
//! and closes, and that cannot be configured. So the connection's byte stream is wrapped: a
//! write that is exactly such a response (an HTTP/1 status line of 4xx or 5xx, no
//! `content-type`, `content-length: 0`) is replaced by the same status with a JSON body. The
//! application never sends an error like that (its errors all carry a JSON body and a
//! `content-type`), so nothing it writes is touched. Writes are not vectored, so hyper hands
//! each response head over in one piece.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::ApiError;

/// A connection whose hyper-made error answers get a JSON body.
pub(crate) struct JsonErrors<T> {
    inner: T,
    /// A replacement still to be written, and how much of it is written.
    pending: Option<(Vec<u8>, usize)>,
}

impl<T> JsonErrors<T> {
    pub(crate) fn new(inner: T) -> JsonErrors<T> {
        JsonErrors {
            inner,
            pending: None,
        }
    }
}

/// The JSON answer for `head`, if it is a hyper-made error response without a body.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let rest = text
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| text.strip_prefix("HTTP/1.0 "))?;
    let code: u16 = rest.get(..3)?.parse().ok()?;
    let status = StatusCode::from_u16(code).ok()?;
    if !(status.is_client_error() || status.is_server_error()) || !text.ends_with("\r\n\r\n") {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("\r\ncontent-type:") || !lower.contains("\r\ncontent-length: 0\r\n") {
        return None;
    }
    let error = ApiError::for_status(status);
    let body = serde_json::json!({ "code": error.code, "message": error.message }).to_string();
    let version = &text[..8];
    let reason = status.canonical_reason().unwrap_or("");
    Some(
        format!(
            "{version} {code} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

impl<T: AsyncWrite + Unpin> JsonErrors<T> {
    /// Writes what is pending; `Ready(Ok)` once nothing is.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = &mut self.pending {
            let n =
                std::task::ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
            if *written == bytes.len() {
                self.pending = None;
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonErrors<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonErrors<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        std::task::ready!(self.poll_pending(cx))?;
        if let Some(json) = replacement(buf) {
            self.pending = Some((json, 0));
            // The original bytes count as written; the replacement goes out instead.
            let _ = self.poll_pending(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bodiless_error_head_is_replaced_by_json() {
        let hyper_400 = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: Sun, 06 Dec 2026 15:00:00 GMT\r\n\r\n";
        let json = String::from_utf8(replacement(hyper_400).unwrap()).unwrap();
        assert!(json.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{json}");
        assert!(json.contains("content-type: application/json\r\n"));
        let body: serde_json::Value =
            serde_json::from_str(json.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["code"], "request.invalid");
        let hyper_431 =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n";
        assert!(replacement(hyper_431).is_some());

        // What the application writes is left alone: errors with a JSON body, successes,
        // 100 Continue, and a head split from its body.
        for untouched in [
            &b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 80\r\n\r\n"[..],
            b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n",
            b"{\"code\":\"x\"}",
        ] {
            assert!(replacement(untouched).is_none(), "{untouched:?}");
        }
    }
}
