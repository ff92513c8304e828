"""The report's charts as inline SVG, drawn server-side with pygal (a maintained SVG charting library).

Why server-side SVG: the HTML report must work offline and be mailed or archived as one file, and it runs no
script (crawled text is shown in it); pygal draws vector charts in Python with no JavaScript needed to
display them. pygal embeds a small configuration script and comments for its optional tooltips; they are
removed here, and each drawn element gets an SVG ``<title>`` instead, which browsers show as a tooltip.
The same charts are drawn natively in the XLSX report by openpyxl (``reports.xlsx``).
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from markupsafe import Markup

from egov_audit.reports.content import LEVEL_COLOURS, LEVELS, STATUS_COLOURS, PassRate

_SVG = "{http://www.w3.org/2000/svg}"
FONT = '"Segoe UI", Roboto, "Noto Sans", Arial, sans-serif'


def _style(colours: tuple[str, ...] = ("#0b5394",)) -> Any:
    from pygal.style import Style

    return Style(font_family=FONT, background="white", plot_background="white", foreground="#1b1f24",
                 foreground_strong="#1b1f24", foreground_subtle="#5b6470", colors=colours,
                 label_font_size=11, major_label_font_size=11, value_font_size=11, legend_font_size=12,
                 title_font_size=14)


def _config(**options: Any) -> dict[str, Any]:
    return {"js": [], "disable_xml_declaration": True, "no_data_text": "Không có dữ liệu / no data",
            "print_values": False, **options}


def _finish(chart: Any, name: str, label: str) -> Markup:
    """The chart as inline SVG without pygal's script and comments, with a ``<title>`` on each drawn value."""
    root = chart.render_tree()
    for node in list(root.iter(f"{_SVG}script", "script", etree.Comment)):
        node.getparent().remove(node)
    for desc in list(root.iter(f"{_SVG}desc", "desc")):
        group = desc.getparent()
        if "label" in (desc.get("class") or "") or "value" in (desc.get("class") or ""):
            title = group.find(f"{_SVG}title") if group.find(f"{_SVG}title") is not None else group.find("title")
            if title is None:
                title = etree.SubElement(group, "title")
                title.text = desc.text or ""
            else:
                title.text = f"{title.text or ''} {desc.text or ''}".strip()
    root.set("data-chart", name)
    root.set("role", "img")
    root.set("aria-label", label)
    # pygal titles the document "Pygal"; the figure caption says what the chart is.
    for title in root.findall(f"{_SVG}title") + root.findall("title"):
        title.text = label
    return Markup(etree.tostring(root, encoding="unicode"))


def levels_chart(units: list[dict[str, Any]]) -> Markup:
    """Bars: how many units reached each level (and none), coloured like the tree."""
    import pygal

    cats: list[str | None] = [None, *LEVELS]
    chart = pygal.Bar(**_config(width=420, height=260, show_legend=False, style=_style(), margin=12,
                                print_values=True))
    chart.x_labels = ["Chưa đạt" if c is None else f"Mức {c}" for c in cats]
    chart.add("Số đơn vị / units", [
        {"value": sum(1 for u in units if (u.get("achieved_level") or None) == c), "color": LEVEL_COLOURS[c],
         "label": "Chưa đạt mức I" if c is None else f"Mức {c}"} for c in cats])
    return _finish(chart, "levels", "Số đơn vị theo mức đạt được / units per achieved level")


def tree_chart(tree: list[tuple[str, str, list[dict[str, Any]]]], anchor: Any) -> Markup:
    """The province's units as a treemap: one block per parent (district, or the province), one tile per
    unit, coloured by achieved level; each tile links to the unit's details."""
    import pygal

    count = sum(len(m) for _, _, m in tree)
    # Names on the tiles while they fit (a small province); the tooltip and the details carry them beyond.
    chart = pygal.Treemap(**_config(width=900, height=max(260, min(720, 18 * count)), show_legend=False,
                                    style=_style(("#ffffff",)), margin=4, print_labels=count <= 60))
    for parent_code, parent_name, members in tree:
        chart.add(f"{parent_name} ({parent_code})" if parent_code else parent_name, [
            {"value": 1, "color": LEVEL_COLOURS[u.get("achieved_level") or None],
             "label": f"{u.get('unit_name') or u.get('unit_code')} — "
                      f"{'Mức ' + u['achieved_level'] if u.get('achieved_level') else 'chưa đạt mức I'}",
             "xlink": {"href": "#" + anchor(u.get("unit_code")), "target": "_self"}}
            for u in members])
    return _finish(chart, "tree", "Cây đơn vị theo mức đạt được / units by parent, coloured by level")


def pass_rate_chart(rates: list[PassRate]) -> Markup:
    """Stacked horizontal bars: per indicator, the share of units that passed, partly passed, failed or
    could not be judged."""
    import pygal

    chart = pygal.HorizontalStackedBar(**_config(
        width=900, height=60 + 22 * max(1, len(rates)), style=_style(tuple(STATUS_COLOURS.values())),
        range=(0, 100), legend_at_bottom=True, legend_at_bottom_columns=4, margin=8, truncate_label=60,
        value_formatter=lambda v: f"{v:.0f} %"))
    chart.x_labels = [f"{r.level} · {r.title_vi}" for r in rates]
    names = {"pass": "Đạt / pass", "partial": "Một phần / partial", "fail": "Không đạt / fail",
             "unknown": "Chưa xác định / unknown"}
    for status, name in names.items():
        chart.add(name, [{"value": 100 * r.counts.get(status, 0) / r.applicable if r.applicable else 0,
                          "label": f"{r.id}: {r.counts.get(status, 0)}/{r.applicable}"} for r in rates])
    return _finish(chart, "pass-rates", "Tỷ lệ đơn vị đạt từng chỉ tiêu / share of units meeting each indicator")


def change_chart(counts: dict[str, int]) -> Markup:
    """Bars: units whose level rose, held or fell since last year's published result."""
    import pygal

    labels = {"up": ("Tăng mức", "#3f9b5a"), "same": ("Giữ mức", "#8a94a3"), "down": ("Giảm mức", "#c94a4a"),
              "new": ("Không so sánh được", "#c9ced6")}
    chart = pygal.Bar(**_config(width=420, height=260, show_legend=False, style=_style(), margin=12,
                                print_values=True))
    chart.x_labels = [vi for vi, _ in labels.values()]
    chart.add("Số đơn vị / units", [{"value": counts.get(key, 0), "color": colour, "label": vi}
                                    for key, (vi, colour) in labels.items()])
    return _finish(chart, "change", "So với kết quả công bố năm trước / change since last year's published result")
