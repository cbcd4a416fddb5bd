"""Kafka plumbing: topic names, the broker/router factory, publishing, and safe consuming."""
