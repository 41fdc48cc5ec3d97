"""Search over pipeline records: section and report documents, an embedded SQLite FTS5
index with facets, and an Elasticsearch/OpenSearch bulk export.

``python -m nlp.index OUT --db PATH`` builds or updates an index from a run folder;
``python -m nlp.search QUERY --db PATH`` searches it.
"""

from ..errors import SearchError
from .analysis import SearchAnalyzer
from .documents import DocumentBuilder, FieldSchema, IndexDocuments, read_records
from .query import Filters
from .sqlite_index import SearchResult, SqliteIndex

__all__ = [
    "DocumentBuilder",
    "FieldSchema",
    "Filters",
    "IndexDocuments",
    "SearchAnalyzer",
    "SearchError",
    "SearchResult",
    "SqliteIndex",
    "read_records",
]
