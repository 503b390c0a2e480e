"""Connectors: adapters that turn each network into `InboundMessage`s and send replies back."""

from connectors.types import Author, Batch, InboundMessage, OutboundReply, RateLimit

__all__ = ["Author", "Batch", "InboundMessage", "OutboundReply", "RateLimit"]
