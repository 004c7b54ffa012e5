"""Platform companies: the register of licensed ride-hailing platforms (soon their licence)."""
