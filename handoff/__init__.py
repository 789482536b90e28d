"""Human-handoff service: the public entry point between customers, the bot and agents."""
