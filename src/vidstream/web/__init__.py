"""The web layer: errors, access checks, sessions, headers, rate limits, links, JSON shapes."""
