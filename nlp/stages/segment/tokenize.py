"""Stage ``tokenize.v1``: jieba tokens and sentences, the pipeline's speed reference.

The jieba dictionary and the domain user dictionary (``configs/jieba_dict.txt``) are
loaded once per process into one ``jieba.Tokenizer``, shared by every stage instance.
"""

from __future__ import annotations

import functools
import logging
from itertools import accumulate
from pathlib import Path
from typing import Any

from ...config import resource_path
from ...errors import ConfigError, Errors
from ...pipeline.registry import Stage, stage
from ...records import Report
from .sentences import sentence_spans


@functools.lru_cache(maxsize=4)
def jieba_tokenizer(user_dict: str):
    """One initialised ``jieba.Tokenizer`` per user dictionary and process."""
    import jieba

    path = Path(user_dict)
    if not path.is_file():
        raise ConfigError(Errors.E604.format(path=path))
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(path))
    return tokenizer


def token_spans(tokenizer, text: str, hmm: bool = True) -> list[list[int]]:
    """``[start, end]`` of each jieba token; white-space tokens dropped."""
    words = list(tokenizer.cut(text, HMM=hmm))
    ends = accumulate(map(len, words))
    return [
        [end - len(word), end] for word, end in zip(words, ends) if not word.isspace()
    ]


@stage(
    "tokenize.v1",
    requires=("text",),
    assigns=("sentences", "tokens"),
    config="sections",
)
class TokenSegmenter(Stage):
    """Split the text into sentences and jieba tokens.

    Needs ``text``. Fills ``sentences`` (spans split after 。！？; and at line breaks)
    and ``tokens`` (jieba words with the domain user dictionary, white space dropped),
    both as ``[start, end]`` character offsets.
    """

    def setup(self, cfg: dict[str, Any]) -> None:
        settings = cfg.get("tokenize") or {}
        user_dict = resource_path(settings.get("user_dict", "jieba_dict.txt"))
        self.hmm = bool(settings.get("hmm", True))
        self.sentence_end = str(settings.get("sentence_end", "。！？；!?;"))
        self.tokenizer = jieba_tokenizer(str(user_dict))

    def __call__(self, report: Report) -> Report:
        self._require_initialized()
        report.sentences = sentence_spans(report.text, self.sentence_end)
        report.tokens = token_spans(self.tokenizer, report.text, self.hmm)
        return report
