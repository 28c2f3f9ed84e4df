"""fastdjango's core: the signal dispatcher."""
