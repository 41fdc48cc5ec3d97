"""Search documents for Elasticsearch/OpenSearch: bulk NDJSON, the index template, a push.

The index template is generated from the declared schema (``configs/search/fields.yaml``):
``tokens`` fields get a whitespace analyzer over the space-joined jieba words (no
analyzer plugin needed), ``text`` fields the standard analyzer (swap in a Chinese
analyzer plugin if the cluster has one). The client library is optional
(``pip install -e .[search]``) and imported only when pushing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from ..config import CONFIG_DIR
from ..errors import Errors, SearchError
from .documents import FieldSchema, FieldSpec, IndexDocuments

logger = logging.getLogger(__name__)

TEMPLATE_PATH = CONFIG_DIR / "search" / "index_template.json"
DEFAULT_INDEX = "gov-disclosure-reports"
TOKENS_ANALYZER = "jieba_words"

# Declared field type -> mapping of the field.
_MAPPING: dict[str, dict[str, Any]] = {
    "keyword": {"type": "keyword"},
    "text": {"type": "text", "analyzer": "standard"},
    "tokens": {"type": "text", "analyzer": TOKENS_ANALYZER},
    "integer": {"type": "integer"},
    "float": {"type": "float"},
    "double": {"type": "double"},
    "boolean": {"type": "boolean"},
}


def index_template(
    schema: FieldSchema | None = None, index_pattern: str = f"{DEFAULT_INDEX}*"
) -> dict[str, Any]:
    """A composable index template (Elasticsearch 7.8+, OpenSearch 1+) for the documents."""
    schema = schema or FieldSchema.load()
    return {
        "index_patterns": [index_pattern],
        "priority": 100,
        "template": {
            "settings": {
                "number_of_shards": 1,
                "analysis": {
                    "analyzer": {
                        TOKENS_ANALYZER: {
                            "type": "custom",
                            "tokenizer": "whitespace",
                            "filter": ["lowercase"],
                        }
                    }
                },
            },
            "mappings": {
                "dynamic": "strict",
                "_meta": {
                    "fields_version": schema.version,
                    "generated_by": "python -m nlp.index --write-template",
                },
                "properties": {n: _field_mapping(s) for n, s in schema.fields.items()},
            },
        },
    }


def _field_mapping(spec: FieldSpec) -> dict[str, Any]:
    if spec.type in ("object", "nested"):
        mapping: dict[str, Any] = {
            "properties": {n: _field_mapping(s) for n, s in spec.properties.items()}
        }
        if spec.type == "nested":
            mapping = {"type": "nested", **mapping}
        return mapping
    mapping = dict(_MAPPING[spec.type])
    if spec.type == "text" and spec.name in ("title", "title_path", "message"):
        # Exact headings for aggregations ("how many reports have this heading").
        mapping["fields"] = {"raw": {"type": "keyword", "ignore_above": 256}}
    return mapping


def write_template(
    path: str | Path = TEMPLATE_PATH, index_pattern: str | None = None
) -> Path:
    path = Path(path)
    template = index_template(index_pattern=index_pattern or f"{DEFAULT_INDEX}*")
    path.write_text(
        json.dumps(template, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return path


def bulk_lines(
    documents: Iterable[IndexDocuments], index: str = DEFAULT_INDEX
) -> Iterator[str]:
    """Bulk API NDJSON: an ``index`` action line (``_id`` = the stable id), then the source."""
    for docs in documents:
        for document in docs.all():
            yield json.dumps(
                {"index": {"_index": index, "_id": document["id"]}}, ensure_ascii=False
            )
            yield json.dumps(document, ensure_ascii=False)


def write_bulk(
    documents: Iterable[IndexDocuments], out: TextIO, index: str = DEFAULT_INDEX
) -> dict[str, int]:
    """Write bulk NDJSON to ``out``; returns the number of reports and documents."""
    counts = {"reports": 0, "documents": 0}
    for docs in documents:
        counts["reports"] += 1
        out.writelines(line + "\n" for line in bulk_lines([docs], index))
        counts["documents"] += 1 + len(docs.sections)
    return counts


def push(
    documents: Iterable[IndexDocuments],
    url: str,
    index: str = DEFAULT_INDEX,
    chunk_size: int = 500,
    **client_options: Any,
) -> dict[str, int]:
    """Index the documents into a cluster with the official client.

    Installs the index template first; each report's previous documents are deleted
    (by ``doc_id``) before its new ones are sent, so sections that disappeared from a
    report do not linger.
    """
    try:
        from elasticsearch import Elasticsearch, helpers
    except ImportError as e:
        raise SearchError(Errors.E810) from e
    client = Elasticsearch(url, **client_options)
    try:
        client.indices.put_index_template(
            name=index, **index_template(index_pattern=f"{index}*")
        )
    except Exception as e:  # the client raises transport errors of several types
        raise SearchError(Errors.E811.format(url=url, detail=e)) from e
    counts = {"reports": 0, "documents": 0}

    def replace(batch: list[IndexDocuments]) -> Iterator[dict[str, Any]]:
        client.delete_by_query(
            index=index,
            query={"terms": {"doc_id": [d.doc_id for d in batch]}},
            ignore_unavailable=True,
            conflicts="proceed",
        )
        for docs in batch:
            counts["reports"] += 1
            for document in docs.all():
                counts["documents"] += 1
                yield {"_index": index, "_id": document["id"], "_source": document}

    def actions() -> Iterator[dict[str, Any]]:
        batch: list[IndexDocuments] = []
        for docs in documents:
            batch.append(docs)
            if len(batch) >= chunk_size:
                yield from replace(batch)
                batch = []
        if batch:
            yield from replace(batch)

    ok, errors = helpers.bulk(
        client, actions(), chunk_size=chunk_size, raise_on_error=False
    )
    if errors:
        raise SearchError(Errors.E812.format(url=url, n=len(errors), detail=errors[0]))
    client.indices.refresh(index=index)
    logger.info(
        "pushed %d documents of %d reports to %s/%s", ok, counts["reports"], url, index
    )
    return counts
