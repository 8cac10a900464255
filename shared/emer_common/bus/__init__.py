"""The bus layer: NATS JetStream streams, pull workers, KV and Object Store helpers.

Domain code never imports this package; services wire their domain functions to it.
"""
