"""Input and output at the edges: readers for every input format, the output writers,
and the JSON Schema of the records."""
