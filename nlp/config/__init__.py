"""The knowledge files of ``configs/``: found, loaded, validated, versioned.

Label sets, heading patterns, indicator ids and cue words are data, not code. Every file
carries a ``version`` and is checked against its declared schema (``schemas.py``) when
loaded; an error names the file, the key and what was expected. The versions of the
files a run used go into its output.

Where the files live: ``NLP_CONFIG_DIR`` / ``NLP_MODELS_DIR`` when set; else, in a
source checkout, the repository's ``configs/`` and ``models/``; else the copies a wheel
installs as package data (``nlp/resources/``).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, Errors
from .indicators import IndicatorSchema, parse_schema
from .schemas import validate

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _resource_dir(name: str) -> Path:
    override = os.environ.get(f"NLP_{name.upper()}_DIR")
    if override:
        return Path(override).resolve()
    checkout = PACKAGE_DIR.parent / name
    installed = PACKAGE_DIR / "resources" / name
    if installed.is_dir():
        return installed
    return checkout


CONFIG_DIR = _resource_dir("configs")
MODELS_DIR = _resource_dir("models")
# Every config file this process has loaded, with its version: written into outputs.
LOADED_VERSIONS: dict[str, str] = {}


def config_path(name: str | Path) -> Path:
    """``configs/<name>.yaml`` for a bare name; a path is returned as given."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or path.is_absolute() or len(path.parts) > 1:
        return path
    return CONFIG_DIR / f"{name}.yaml"


def resource_path(value: str | Path, kind: str = "configs") -> Path:
    """A path named in a config file: absolute, or relative to the config or model
    folder (a leading ``configs/`` or ``models/`` is accepted for old files)."""
    path = Path(value)
    if path.is_absolute():
        return path
    base = MODELS_DIR if kind == "models" else CONFIG_DIR
    if path.parts and path.parts[0] in ("configs", "models"):
        base = MODELS_DIR if path.parts[0] == "models" else CONFIG_DIR
        path = Path(*path.parts[1:])
    return base / path


def display_name(path: Path) -> str:
    """A config file's name as recorded in outputs: relative to the config folder."""
    try:
        return path.resolve().relative_to(CONFIG_DIR.resolve()).as_posix()
    except ValueError:
        return str(path)


@functools.cache
def _load_cached(path: str) -> dict[str, Any]:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(Errors.E001.format(path=file))
    try:
        data = yaml.load(
            file.read_text("utf-8"), getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except yaml.YAMLError as e:
        raise ConfigError(Errors.E002.format(path=file, detail=e)) from e
    if not isinstance(data, dict):
        raise ConfigError(
            Errors.E003.format(
                path=file, key="(top level)", detail="expected a mapping"
            )
        )
    if "version" not in data:
        raise ConfigError(
            Errors.E003.format(path=file, key="version", detail="the key is missing")
        )
    name = display_name(file)
    validate(name, data, file)
    LOADED_VERSIONS[name] = str(data["version"])
    return data


def load_yaml(path: str | Path) -> dict[str, Any]:
    """A config file as a dict, validated against its schema (cached; read-only)."""
    return _load_cached(str(Path(path).resolve()))


def load_config(name: str | Path) -> dict[str, Any]:
    """``configs/<name>.yaml`` (or the file ``name`` points to)."""
    return load_yaml(config_path(name))


@functools.lru_cache(maxsize=8)
def _schema(path: str) -> IndicatorSchema:
    return parse_schema(load_yaml(path), path)


def load_schema(path: str | Path | None = None) -> IndicatorSchema:
    """The validated indicator schema of ``configs/indicators.yaml`` (cached)."""
    return _schema(str(Path(path or CONFIG_DIR / "indicators.yaml").resolve()))


def schema_from(config: Any) -> IndicatorSchema:
    """The indicator schema of a stage's config: a mapping, a file name or None."""
    if isinstance(config, dict):
        return parse_schema(config, "<config>")
    return load_schema(config_path(config) if config else None)


__all__ = [
    "CONFIG_DIR",
    "LOADED_VERSIONS",
    "MODELS_DIR",
    "IndicatorSchema",
    "config_path",
    "display_name",
    "load_config",
    "load_schema",
    "load_yaml",
    "resource_path",
    "schema_from",
]
