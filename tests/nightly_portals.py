"""Small provinces for the nightly tests: generated commune portals on 127.0.0.1, and a settings file.

A province here is a province row (no portal, never scored: CRITERIA.md §4) and communes with their own
hosts, as after 1 July 2025. ``drop`` removes sections from a commune's portal, so a second province
built with it is "the same communes, one night later".
"""

from __future__ import annotations

from pathlib import Path

from egov_audit.demo.portal_spec import PortalSpec, Service
from egov_audit.demo.province import UnitDef
from egov_audit.demo.server import DemoProvince
from egov_audit.demo.spec_values import SECTION_KEYS, SectionState

PROVINCE = "27"
COMMUNES = (("27001", "Xã Yên Trung", "nukeviet"), ("27002", "Xã Tam Giang", "liferay"))


def commune_spec(code: str, name: str, style: str, drop: tuple[str, ...] = ()) -> PortalSpec:
    sections = {k: SectionState.PRESENT for k in SECTION_KEYS if k not in ("english", "forms", *drop)}
    return PortalSpec(code=code, name=name, level="commune", style=style, sections=sections,
                      news_ages=(1, 3, 5, 8), direction_ages=(2,), document_ages=(4, 30), question_form=True,
                      services=(Service("Đăng ký khai sinh", "Toàn trình"),), dossier_lookup=True, payment=True,
                      satisfaction=True, service_statistics=True)


def province(drop: dict[str, tuple[str, ...]] | None = None, down: tuple[str, ...] = ()) -> DemoProvince:
    """The province row and the communes; ``drop[code]`` sections are missing, ``down`` codes refuse."""
    units = [UnitDef(PROVINCE, "Tỉnh Bắc Ninh", "province", "", "none")]
    for code, name, style in COMMUNES:
        if code in down:
            units.append(UnitDef(code, name, "commune", PROVINCE, "down"))
        else:
            spec = commune_spec(code, name, style, (drop or {}).get(code, ()))
            units.append(UnitDef(code, name, "commune", PROVINCE, "own", spec=spec))
    return DemoProvince(units)


def write_config(path: Path, extra: str = "") -> Path:
    """Settings for a quick night on loopback: no browser, few pages, no delay; ``extra`` TOML appended."""
    path.write_text("[crawler]\nallow_private_networks = true\nmax_pages = 30\ndelay_seconds = 0\n"
                    "[browser]\nenabled = false\n" + extra, encoding="utf-8")
    return path
