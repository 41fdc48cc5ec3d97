"""Config files are validated against their declared schema when loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nlp.config import CONFIG_DIR, load_yaml
from nlp.config.schemas import SCHEMAS
from nlp.errors import ConfigError


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_shipped_config_is_valid(name: str):
    assert load_yaml(CONFIG_DIR / name)["version"]


def _broken(tmp_path: Path, name: str, change) -> Path:
    data = yaml.safe_load((CONFIG_DIR / name).read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "name,change,key,expected",
    [
        (
            "metrics.yaml",
            lambda d: d["prose"].__setitem__("max_before", "sixty"),
            "prose.max_before",
            "integer",
        ),
        (
            "weaknesses.yaml",
            lambda d: d.__setitem__("model_overide_below", 0.5),  # a typo
            "model_overide_below",
            "not part of the schema",
        ),
        (
            "sections.yaml",
            lambda d: d["rules"]["patterns"]["fees"][0].__setitem__("pattern", "收费("),
            "rules.patterns.fees.0.pattern",
            "regular expression",
        ),
        (
            "numbering.yaml",
            lambda d: d["headings"][0].__setitem__("numeral", "roman"),
            "headings.0.numeral",
            "'cn', 'arabic', 'circled' or 'blank'",
        ),
        ("cleaning.yaml", lambda d: d.pop("version"), "version", "missing"),
    ],
)
def test_a_bad_config_names_file_key_and_what_was_expected(
    tmp_path, name, change, key, expected
):
    path = _broken(tmp_path, name, change)
    with pytest.raises(ConfigError) as error:
        load_yaml(path)
    message = str(error.value)
    assert str(path) in message and f"key {key}" in message and expected in message
    assert error.value.code == "E003"


def test_indicator_schema_errors_name_the_place(tmp_path):
    path = _broken(
        tmp_path,
        "indicators.yaml",
        lambda d: d["relations"][0].__setitem__("left", ["no_such_row"]),
    )
    with pytest.raises(ConfigError, match=r"E402.*relations\[0\].*no_such_row"):
        load_yaml(path)
