"""``python -m bench analytics``: the watch beacon's rate, its effect on bytes, stats queries."""
