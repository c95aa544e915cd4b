"""``python -m bench gateway``: media through the nginx gateway, signed links and X-Accel."""
