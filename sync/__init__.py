"""Sync client: outbox push, cursor pull, attachments, configuration, credentials (DESIGN.md section 5)."""
