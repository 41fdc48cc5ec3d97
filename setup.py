"""Package list for setuptools (everything else is in pyproject.toml).

``find_packages`` cannot see that ``configs/`` and ``models/`` ship as the package data
``nlp.resources.configs`` and ``nlp.resources.models`` (``[tool.setuptools.package-dir]``
maps them), so they are added here.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["nlp", "nlp.*"])
    + ["nlp.resources.configs", "nlp.resources.models"],
)
