"""Analytics: what was watched, collected as time ranges and rolled up per day.

``intervals`` is pure arithmetic on ranges; ``models`` lives in vidstream.models;
``collect`` accepts a beacon's ranges, ``rollup`` turns closed days into aggregates,
``stats`` answers the figures pages and the API show. docs/analytics.md defines them.
"""
