"""The reader's output (raw text plus what the cleaner needs to know) and the limits
every reader works under, so that no input costs more than a stated bound."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class RawDocument:
    text: str
    format: str
    encoding: str | None = None
    # (page number, start, end) spans of ``text`` for paginated sources.
    pages: list[tuple[int, int, int]] = field(default_factory=list)
    sha256: str = ""
    size: int = 0
    # Metadata around the text (an HTML page's <title>): ``Source.title``.
    title: str | None = None
    # Pages read by OCR (``records.OcrPage``, line spans in offsets of ``text``).
    ocr: list = field(default_factory=list)


MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds on the cost of one document (docs/runs.md, "Limits"). A document past
    one fails with its own error code; the run goes on. ``None`` means no bound."""

    # Bytes of one input file (or one crawl-dump cell).
    max_bytes: int | None = 64 * MiB
    # Decompressed bytes of one part of a DOCX (zip-bomb guard), and of all parts.
    max_part_bytes: int | None = 16 * MiB
    max_unzipped_bytes: int | None = 64 * MiB
    # Characters of extracted text handed to cleaning (cleaning only removes, so this
    # bounds the characters after cleaning too).
    max_chars: int | None = 1_000_000
    # Element nesting of an HTML page (the walk is recursive; libxml2 stops at 256).
    max_html_depth: int | None = 200
    # Wall time of one document in seconds, enforced in the worker process.
    timeout: float | None = 60.0

    @classmethod
    def from_mapping(cls, values: dict, where: str = "limits") -> Limits:
        """Limits from a config mapping; raises ``ValueError`` naming a bad key."""
        known = {f.name for f in fields(cls)}
        for key, value in values.items():
            if key not in known:
                raise ValueError(
                    f"{where}: unknown limit {key!r} (known: {sorted(known)})"
                )
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or value < 0
            ):
                raise ValueError(
                    f"{where}.{key}: {value!r} is not a number >= 0 or null"
                )
        return cls(**{k: (v or None) for k, v in values.items()})

    def exceeded(self, name: str, value: float) -> bool:
        bound = getattr(self, name)
        return bound is not None and value > bound


DEFAULT_LIMITS = Limits()
