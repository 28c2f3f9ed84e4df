"""Integrations that send the built-in signals; each needs its own extra."""
