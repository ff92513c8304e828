"""Hand-written validation portals modelled on real Vietnamese local-government sites (vocabulary.md §3–§4).

Independent of ``egov_audit.demo.sitegen``: every page is a static HTML file under ``portals/<code>/``
and the expected findings are in ``labels.yaml``, written from CRITERIA.md before the checks were run.
"""
