"""The command-line entry points: the only modules that parse arguments, print or exit.

``python -m nlp.run`` (and ``nlp.evaluate``, ``nlp.train``, ``nlp.bench``,
``nlp.bench_search``, ``nlp.index``, ``nlp.search``, ``nlp.schema``) run the ``main`` of
the module of the same name here.
"""
