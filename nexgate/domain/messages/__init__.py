"""Direct messages: conversations (one-to-one and groups), messages, receipts, reactions and
search (docs/messages.md)."""
