//! Studies over trials (placeholder crate until the study harness lands).
