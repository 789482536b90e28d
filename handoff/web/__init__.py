"""Browser-facing pages: the chat widget script, the agent console and the demo shop page."""
