"""A third-party prior encoder for foley-toolkit (VIFS report's early experiment)."""
