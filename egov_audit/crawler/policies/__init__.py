"""The policies of the one request path, each small and tested on its own (as Scrapy's downloader
middlewares are). ``crawler.sender.Sender`` composes them in this order, outermost first:

1. ``record.RecordExchanges`` — every exchange of a finished request goes to the evidence sink (WARC,
   storage), with the page it belongs to;
2. ``redirects.FollowRedirects`` — Location followed by hand, hop after hop, within ``max_redirects``;
3. ``scope.StayInScope`` — a hop outside the request's scope is refused before anything is sent;
4. ``robots.ObeyRobots`` — robots.txt of the hop's origin (fetched once, through the sender itself);
5. ``retry.RetryTransient`` — timeouts, resets and 429/502/503/504 retried with backoff and Retry-After,
   a 429/503 pausing the whole host;
6. ``conditional.AskIfModified`` — If-None-Match / If-Modified-Since from the previous night; 304 noted;
7. ``address.GuardAddress`` — the SSRF guard: resolve, refuse non-public addresses, pin the address;
8. ``slot.TakeSlot`` — the politeness slot (per host, adaptive per IP, start delay, circuit breaker); the
   exchange's own time cap starts only once the slot is held;
9. ``limits.ReadWithinLimits`` — sends over the pinned connection and reads the body under the size cap
   and the decompression-bomb guard, building the exchange.
"""
