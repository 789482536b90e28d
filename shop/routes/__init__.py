"""HTTP routes of the order API, one Blueprint per area."""
