"""Demo order API: a small, realistic stand-in for an online shop's order system."""
