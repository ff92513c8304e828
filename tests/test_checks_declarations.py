"""The checks' declarations: the catalogue is CRITERIA.md §2 in its order, every check module is listed once,
config/checks.yaml holds exactly the declared option defaults, and thresholds (checks.yaml, framework
overrides) are validated against the declarations."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from config import CONFIG_DIR
from egov_audit.checks import CHECK_IDS, CHECKS, Check, CheckOptions, Option, get_check, needs_for
from egov_audit.checks.catalogue import CHECK_MODULES, OPTION_GROUPS
from egov_audit.checks.declaration import FAMILIES
from egov_audit.checks.options import OptionsError
from egov_audit.checks.titles import TITLES
from egov_audit.core.artifacts import Finding, Need
from egov_audit.core.yamlfile import load_yaml

CRITERIA = Path(__file__).resolve().parents[2] / "shared" / "spec" / "CRITERIA.md"


def criteria_ids() -> list[str]:
    """The ids of the table of CRITERIA.md §2, in its order."""
    section = CRITERIA.read_text(encoding="utf-8").split("\n## 2.", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z]+\.[a-z0-9_]+)` \|", section, re.M)


def test_catalogue_is_criteria_section_2_in_its_order() -> None:
    assert len(criteria_ids()) == 46
    assert list(CHECK_IDS) == criteria_ids()


def test_every_check_module_of_a_family_is_in_the_catalogue_once() -> None:
    found = []
    for family in FAMILIES:
        package = importlib.import_module(f"egov_audit.checks.{family}")
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            assert module.__doc__, f"{module.__name__} says what it is for"
            declared = [v for v in vars(module).values() if isinstance(v, Check)]
            if hasattr(module, "CHECK"):
                # One check per module, in the package of its family.
                assert declared == [module.CHECK], module.__name__
                assert module.CHECK.family == family, module.__name__
                found.append(module.__name__)
            else:
                assert not declared, f"helper module {module.__name__} declares a check"
    assert sorted(found) == sorted(m.__name__ for m in CHECK_MODULES)
    assert len(CHECK_MODULES) == len(set(CHECK_MODULES))


def test_registry_and_titles_come_from_the_declarations() -> None:
    for check in CHECKS:
        assert get_check(check.id) is check
        assert TITLES[check.id] == (check.title_vi, check.title_en)
        assert check.needs, check.id
        assert needs_for([check.id]) == set(check.needs)
    assert needs_for(None) == set().union(*(c.needs for c in CHECKS))
    assert needs_for(["tech.https", "tech.ipv6"]) == {Need.HOME, Need.HTTPS, Need.DNS}


def test_checks_yaml_holds_exactly_the_declared_defaults() -> None:
    """Every number lives in config/ (CRITERIA.md): the file a province edits says what the code declares."""
    in_file = load_yaml(CONFIG_DIR / "checks.yaml")["checks"]
    declared = {group: {key: option.default for key, option in options.items()} for group, options in OPTION_GROUPS.items()}
    assert in_file == declared
    for group, options in OPTION_GROUPS.items():
        for key, option in options.items():
            assert option.help.strip(), f"{group}.{key} has help text"
            assert type(in_file[group][key]) is type(option.default), f"{group}.{key}"


def test_every_declared_option_is_read_by_its_check() -> None:
    """A declared key the check never reads would be a threshold a province edits for nothing."""
    sources = {m.CHECK.id: Path(m.__file__).read_text(encoding="utf-8") for m in CHECK_MODULES}
    for check in CHECKS:
        for key in check.options:
            assert f'"{key}"' in sources[check.id], f"{check.id} declares {key} without reading it"


def test_a_province_file_may_hold_only_what_it_changes(tmp_path: Path) -> None:
    (tmp_path / "checks.yaml").write_text("checks:\n  fresh.news:\n    pass_days_other: 14\n", encoding="utf-8")
    options = CheckOptions.from_config(tmp_path)
    assert options.get("fresh.news", "pass_days_other") == 14
    assert options.get("fresh.news", "pass_days_district") == 7
    assert options.get("tech.images_alt", "pass_share") == 0.9 and options.min_text_chars == 200


@pytest.mark.parametrize(("yaml", "message"), [
    ("checks:\n  fresh.news:\n    pass_dayz_other: 14\n", r"checks\.fresh\.news\.pass_dayz_other: unknown threshold"),
    ("checks:\n  info.map:\n    min_images: 1\n", r"checks\.info\.map: no check declares thresholds"),
    ("checks:\n  tech.images_alt:\n    pass_share: 1.5\n", r"checks\.tech\.images_alt\.pass_share: must be at most 1"),
    ("checks:\n  fresh.documents:\n    pass_days: -1\n", r"checks\.fresh\.documents\.pass_days: must be at least 0"),
    ("checks:\n  sections:\n    min_text_chars: .nan\n", r"checks\.sections\.min_text_chars: must be a finite number"),
])
def test_a_bad_checks_yaml_names_the_file_and_key(tmp_path: Path, yaml: str, message: str) -> None:
    (tmp_path / "checks.yaml").write_text(yaml, encoding="utf-8")
    with pytest.raises(OptionsError, match=message) as caught:
        CheckOptions.from_config(tmp_path)
    assert "checks.yaml" in str(caught.value)


def test_framework_overrides_are_checked_against_the_declarations() -> None:
    tiered = CheckOptions.from_config(None, {"fresh.news": {"pass_days": 14}})
    assert tiered.get("fresh.news", "pass_days_district") == tiered.get("fresh.news", "pass_days_other") == 14
    with pytest.raises(OptionsError, match="override tech.broken_links.pass_share: must be at most 1"):
        CheckOptions.from_config(None, {"tech.broken_links": {"pass_share": 2}})
    with pytest.raises(OptionsError, match="override 'info.map': no such check threshold group"):
        CheckOptions.from_config(None, {"info.map": {"x": 1}})


def test_a_declaration_is_refused_when_it_breaks_the_contract() -> None:
    def run(_analysis: object, _options: object) -> Finding:
        raise AssertionError("never run")

    with pytest.raises(ValueError, match="<family>.<name>"):
        Check("map", "Bản đồ", "Map", frozenset({Need.PAGES}), run)
    with pytest.raises(ValueError, match="titles"):
        Check("info.map", "", "Map", frozenset({Need.PAGES}), run)
    with pytest.raises(ValueError, match="option pass_share default must be at most 1"):
        Check("tech.images_alt", "Ảnh", "Images", frozenset({Need.PAGES}), run,
              options={"pass_share": Option(9, "share", maximum=1)})
