"""Loading the knowledge files of ``configs/``: YAML, validated, versioned.

Label sets, heading patterns, indicator ids and cue words are data, not code. Every
file carries a ``version``; the versions of the files a run used go into its output.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, Errors

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
# Every config file this process has loaded, with its version: written into outputs.
LOADED_VERSIONS: dict[str, str] = {}


@functools.cache
def _load_cached(path: str) -> dict[str, Any]:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(Errors.E001.format(path=file))
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(Errors.E002.format(path=file, detail=e)) from e
    if not isinstance(data, dict):
        raise ConfigError(
            Errors.E003.format(path=file, detail="top level is not a mapping")
        )
    if "version" not in data:
        raise ConfigError(Errors.E003.format(path=file, detail="no 'version' key"))
    try:
        name = file.resolve().relative_to(CONFIG_DIR).as_posix()
    except ValueError:
        name = str(file)
    LOADED_VERSIONS[name] = str(data["version"])
    return data


def load_yaml(path: str | Path) -> dict[str, Any]:
    """A config file as a dict (cached; treat it as read-only)."""
    return _load_cached(str(Path(path).resolve()))


def load_config(name: str) -> dict[str, Any]:
    """``configs/<name>.yaml``."""
    return load_yaml(CONFIG_DIR / f"{name}.yaml")


def require(data: dict[str, Any], key: str, kind: type, path: str) -> Any:
    """Validate that ``data[key]`` exists and has type ``kind``."""
    if key not in data:
        raise ConfigError(Errors.E003.format(path=path, detail=f"missing key {key!r}"))
    if not isinstance(data[key], kind):
        raise ConfigError(
            Errors.E003.format(path=path, detail=f"{key!r} must be a {kind.__name__}")
        )
    return data[key]
