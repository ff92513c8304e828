"""Technical checks (tech.*): reachability, domain, sitemaps, encoding, speed, images, metadata, probes."""
