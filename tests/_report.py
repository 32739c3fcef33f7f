"""A small report's inputs, with markup planted in a speaker's name, for tests of the report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipeline.report.inputs import ReportInputs, ReportSettings
from pipeline.report.render import build_context

EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def inputs(**changes) -> ReportInputs:
    """A two-topic, two-speaker report's inputs, with markup planted in a speaker's name."""
    topics = [{"topic": 1, "label": "特区・規制", "theme": None, "prevalence": 0.6,
               "terms": ["特区", "規制"], "npmi": 0.1},
              {"topic": 2, "label": "材料", "theme": None, "prevalence": 0.4,
               "terms": ["材料", "開発"], "npmi": 0.1}]
    doc_topics = pd.DataFrame({"doc_id": ["m#1.1", "m#2.1"], "meeting": ["m", "m"],
                               "speaker": [EVIL, "岸"], "turn": [1, 2],
                               "topic_1": [0.9, 0.2], "topic_2": [0.1, 0.8], "n_tokens": [9, 9]})
    documents = [
        {"doc_id": "m#1.1", "meeting": "m", "speaker": EVIL, "turn": 1, "start": 0, "end": 10,
         "text": f"特区の話 {EVIL}"},
        {"doc_id": "m#2.1", "meeting": "m", "speaker": "岸", "turn": 2, "start": 11, "end": 20,
         "text": "材料の話"}]
    shares = pd.DataFrame([
        {"speaker": s, "topic": k, "share": v, "ci_low": v, "ci_high": v, "n_docs": 1,
         "n_tokens": 9, "low_data": True}
        for s, row in ((EVIL, (0.9, 0.1)), ("岸", (0.2, 0.8)))
        for k, v in zip((1, 2), row, strict=True)])
    relevance = {"lambda": 0.6, "topics": [
        {"topic": 1, "terms": ["特区", "規制", "猫舌"], "phi": [0.5, 0.5, 0.0],
         "p": [0.3, 0.2, 0.1]},
        {"topic": 2, "terms": ["材料", "開発", "鰻"], "phi": [0.6, 0.3, 0.1],
         "p": [0.3, 0.2, 0.1]}]}
    base = {
        "ingest": {"n_files": 1, "n_meetings": 1, "n_turns": 2, "n_speakers": 2,
                   "turns_not_modelled": {}, "files": []},
        "tokens": {"n_tokens": 18, "documents_without_terms": 0},
        "model": {"n_documents": 2, "n_terms": 4, "engine": "nmf", "n_topics": 2,
                  "n_topics_reason": "test", "coherence_npmi": 0.1, "stability": 1.0,
                  "diversity": 1.0},
        "topics": topics, "doc_topics": doc_topics, "documents": documents, "shares": shares,
        "charts": {"heatmap": b"png", "top_terms": b"png", "speaker_mix": b"png"},
        "relevance": relevance,
        "dtm": sp.csr_matrix(np.array([[3, 2, 0, 0], [0, 0, 4, 1]])),
        "themes": [{"name": "特区", "seeds": ["特区", "規制緩和"], "guides": True}],
        "stopwords": ["研究会"],
        "settings": ReportSettings(title="会議", n_quotes=1, config_text=EVIL),
    }
    return ReportInputs(**{**base, **changes})


def context():
    made = inputs()
    return build_context(made), made.shares, made.topics
