"""Customer gateway: conversations, bot relay, handoff detection, customer WebSocket."""
