"""A synthetic transcript where each speaker talks about one subject: the pipeline's cores must
put each speaker on their own topic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.common.config import SpeakersConfig, TokensConfig, VectorizeConfig
from pipeline.ingest.documents import DocOptions, make_documents
from pipeline.ingest.transcripts import split_turns
from pipeline.model.engines import EngineSpec
from pipeline.model.topics import TermCounts, fit_topics
from pipeline.speakers.shares import aggregate_shares
from pipeline.tokenize.core import ExtraWords, tokenize_corpus
from pipeline.tokenize.dtm import build_dtm

SUBJECTS = {
    "田中": ["学校", "教員", "授業", "生徒", "教科書", "学級", "校舎", "給食"],
    "鈴木": ["防衛", "自衛隊", "装備", "基地", "ミサイル", "訓練", "同盟", "艦艇"],
    "佐藤": ["農業", "農家", "水田", "肥料", "収穫", "漁業", "漁港", "農地"],
}


def transcript(seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(12):
        for speaker, words in SUBJECTS.items():
            picked = rng.choice(words, size=4, replace=False)
            lines.append(f"<{speaker}>")
            lines.append(f"{picked[0]}と{picked[1]}について。{picked[2]}の{picked[3]}が課題です。")
    return "\n".join(lines) + "\n"


# author_topic is left out: on this input it merges two speakers under 5 of 6 seeds (see
# docs/defaults.md, "Engines"), a weakness of the model, not a bug to hide behind a lucky seed.
@pytest.mark.parametrize("engine", ["nmf", "lda", "gensim_lda", "tomotopy_lda"])
def test_each_speaker_lands_on_their_own_topic(engine):
    turns, _ = split_turns(transcript(), "m")
    docs = make_documents(turns, DocOptions(unit="turn"))
    cfg = TokensConfig(pos=["noun"], compound_min_count=3, boilerplate_min_meetings=0,
                       drop_procedural_documents=False)
    records = [{"doc_id": d.doc_id, "meeting": "m", "text": d.text} for d in docs]
    result = tokenize_corpus(lambda: records, None, cfg, ExtraWords(frozenset(SUBJECTS)))
    terms = [r["terms"] for r in result.records()]
    dtm = build_dtm([d.doc_id for d in docs], terms, VectorizeConfig(min_df=2, max_df=0.9))
    by_id = {d.doc_id: d for d in docs}
    authors = tuple(by_id[d].speaker for d in dtm.doc_ids)
    fitted = fit_topics(TermCounts(dtm.counts, tuple(dtm.vocabulary), authors),
                        EngineSpec(engine, 400, 5), 3, seed=3)
    table = pd.DataFrame(fitted.theta, columns=["topic_1", "topic_2", "topic_3"])
    table.insert(0, "doc_id", list(dtm.doc_ids))
    table["speaker"] = [by_id[d].speaker for d in dtm.doc_ids]
    table["n_tokens"] = np.asarray(dtm.counts.sum(axis=1)).ravel()
    shares = aggregate_shares(table, ["topic_1", "topic_2", "topic_3"], "speaker",
                              SpeakersConfig(n_bootstrap=200, ci=0.9, min_tokens=10), 0)
    main = shares.loc[shares.groupby("speaker")["share"].idxmax()].set_index("speaker")
    assert len(set(main["topic"])) == 3  # three speakers, three different topics
    assert (main["share"] > 0.8).all()
    for speaker, row in main.iterrows():
        topic = int(row["topic"].removeprefix("topic_")) - 1
        assert set(fitted.terms[topic]) <= set(SUBJECTS[speaker])
