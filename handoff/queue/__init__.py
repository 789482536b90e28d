"""The human queue: priority, language routing, positions and wait estimates."""
