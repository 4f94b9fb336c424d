//! Reference intake server.
