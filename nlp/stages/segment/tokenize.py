"""Stage ``tokenize.v1``: sentences and word tokens, the pipeline's speed reference.

Words come from the segmenter named by ``tokenize.segmenter`` in
``configs/sections.yaml`` (``nlp.text.segmenter``: rjieba by default, or jieba; both
give jieba 0.42.1's tokens) with the domain user dictionary
(``configs/jieba_dict.txt``). It is loaded once per process and shared by every stage
instance and the search index.
"""

from __future__ import annotations

from typing import Any

from ...config import resource_path
from ...pipeline.registry import Stage, stage
from ...records import Report
from ...text.segmenter import Segmenter, load_segmenter
from .sentences import sentence_spans


def token_spans(segmenter: Segmenter, text: str) -> list[list[int]]:
    """``[start, end]`` of each word of ``text``; white-space words dropped."""
    return segmenter.spans(text)


@stage(
    "tokenize.v1",
    requires=("text",),
    assigns=("sentences", "tokens"),
    config="sections",
)
class TokenSegmenter(Stage):
    """Split the text into sentences and words.

    Needs ``text``. Fills ``sentences`` (spans split after 。！？; and at line breaks)
    and ``tokens`` (jieba 0.42.1's words with the domain user dictionary, white space
    dropped), both as ``[start, end]`` character offsets.
    """

    def setup(self, cfg: dict[str, Any]) -> None:
        settings = cfg.get("tokenize") or {}
        self.user_dict = resource_path(settings.get("user_dict", "jieba_dict.txt"))
        self.hmm = bool(settings.get("hmm", True))
        self.sentence_end = str(settings.get("sentence_end", "。！？；!?;"))
        self.segmenter = load_segmenter(
            str(settings.get("segmenter", "rjieba")), str(self.user_dict), self.hmm
        )

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        report.sentences = sentence_spans(report.text, self.sentence_end)
        report.tokens = self.segmenter.spans(report.text)
        return report
