"""Public-service checks (service.*): links to service portals, levels, lookup, statistics, rating, payment."""
