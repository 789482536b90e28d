"""Agent API: accounts, sessions, queue work, live replies, notes, transfer, resolve, hand-back."""
