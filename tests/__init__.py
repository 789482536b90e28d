"""The project's tests (`pytest` from the repository root; see README "Tests")."""
