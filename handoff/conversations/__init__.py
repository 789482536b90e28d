"""The shared conversation layer: what the customer gateway and the agent console both do to a
conversation — check input, find it, tell the customer (system messages), store the bot's
replies, start a handoff (context, queue), publish live events, CES and e-mail. It imports the
store and the service's plumbing, never a feature (gateway, console, analytics, web)."""
