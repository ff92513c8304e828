"""The crawler: fetches a unit's pages politely and safely and judges nothing.

``await crawl_site(target, settings.crawler, sink, resume=None) -> CapturedSite``. Policy pieces live in
their own modules (``urls``, ``frontier``, ``politeness``, ``safety``, ``encoding``, ``links``,
``sitemap``, ``fetch``) and are composed by the fetch loop in ``site``; evidence goes to an
``ExchangeSink`` such as ``crawler.warc.WarcRecorder``.
"""

from egov_audit.crawler.exchange import Exchange, ExchangeSink
from egov_audit.crawler.politeness import HostLimiter
from egov_audit.crawler.site import Renderer, SiteTarget, crawl_site, make_client

__all__ = ["Exchange", "ExchangeSink", "HostLimiter", "Renderer", "SiteTarget", "crawl_site", "make_client"]
