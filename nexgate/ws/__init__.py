"""The WebSocket gateway: sessions, protocol, subscriptions, presence (DESIGN.md §6)."""
