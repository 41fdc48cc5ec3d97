"""The pipeline on PySpark, for corpora past one machine (``python -m nlp.spark``).

``nlp.spark.schema`` gives the record and tidy-table schemas as Spark types (from the
Arrow ones, ``nlp.io.arrow``); ``nlp.spark.job`` runs a corpus: report files or
crawl-dump rows through one pipeline per partition, then the corpus steps grouped by
agency, and writes records and tables as Parquet partitioned by year. PySpark is the
optional ``spark`` extra; nothing here is imported by the rest of the package.
"""
