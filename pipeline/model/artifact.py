"""The fitted model as a file: what `transform` needs to put new documents on fixed topics.

Arrays go to an .npz (no pickle: a pickled estimator ties the file to one library version
and runs code when loaded), the rest to JSON. Topics are stored in the order of the tables
(topic 1 = the first row), so new documents' shares line up with doc_topics.csv.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipeline.common.atomic import arrays_to_npz_bytes
from pipeline.common.errors import PipelineError

# The engines (scikit-learn: 0.7 s to import) are imported by export_model and transform
# only: the label stage reads a saved model with numpy alone.
if TYPE_CHECKING:
    import scipy.sparse as sp
    from sklearn.base import BaseEstimator

# 2: a tomotopy_lda model carries its tomotopy state (model.npz "tomotopy") and scores.
# A format 1 file of another engine is the same as format 2 and still reads.
FORMAT = 2
READABLE = (1, 2)
# Engines whose fitted state describes new documents; the author-topic adapter describes
# only the documents it was fitted on.
SCORABLE = ("nmf", "lda", "gensim_lda", "tomotopy_lda")


@dataclass(frozen=True)
class SavedModel:
    """A fitted model as plain data: `meta` is JSON, `arrays` go to an .npz."""

    meta: dict
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def vocabulary(self) -> list[str]:
        return self.meta["vocabulary"]

    @property
    def n_topics(self) -> int:
        return int(self.meta["n_topics"])


def export_model(model: BaseEstimator, engine: str, order: Sequence[int],
                 vocabulary: Sequence[str], term_share: np.ndarray) -> SavedModel:
    """The state of a fitted engine, its topics put in table order (`order[k]` is the
    engine's index of topic k + 1). Engines that cannot score new text keep only their
    topic-term weights (for merging topics), marked not scorable."""
    from pipeline.model.engines import GensimLDA, NMFTopics, SklearnLDA, TomotopyLDA

    order = list(order)
    arrays = {"components": np.asarray(model.components_, dtype=float)[order],
              "term_share": np.asarray(term_share, dtype=float)}
    meta = {"format": FORMAT, "engine": engine, "n_topics": len(order),
            "vocabulary": list(vocabulary), "scorable": engine in SCORABLE, "params": {}}
    if isinstance(model, NMFTopics):
        nmf = model.nmf_
        arrays["idf"] = model.tfidf_.idf_
        meta["params"] = {"solver": getattr(nmf, "solver", "mu"),
                          "beta_loss": nmf.beta_loss, "max_iter": int(nmf.max_iter),
                          "tol": float(nmf.tol)}
    elif isinstance(model, SklearnLDA):
        lda = model.lda_
        arrays["exp_dirichlet_component"] = lda.exp_dirichlet_component_[order]
        meta["params"] = {"doc_topic_prior": float(lda.doc_topic_prior_),
                          "topic_word_prior": float(lda.topic_word_prior_),
                          "max_doc_update_iter": int(lda.max_doc_update_iter),
                          "mean_change_tol": float(lda.mean_change_tol)}
    elif isinstance(model, GensimLDA):
        lda = model.model_
        arrays["exp_elog_beta"] = np.asarray(lda.expElogbeta)[order]
        arrays["alpha"] = np.asarray(lda.alpha)[order]
        meta["params"] = {"iterations": int(lda.iterations),
                          "gamma_threshold": float(lda.gamma_threshold),
                          "random_state": int(model.random_state)}
    elif isinstance(model, TomotopyLDA):
        import tomotopy

        # tomotopy's own file format, as bytes: topics in the engine's order, put in table
        # order after `infer` (topic_order).
        arrays["tomotopy"] = np.frombuffer(model.model_bytes(), dtype=np.uint8)
        meta["params"] = {"topic_order": order, "random_state": int(model.random_state),
                          "infer_sweeps": int(model.infer_sweeps_),
                          "tomotopy_version": tomotopy.__version__}
    return SavedModel(meta, arrays)


def model_files(saved: SavedModel) -> dict[str, bytes]:
    """The file contents of a saved model, by name (model.json, model.npz); same model, same
    bytes."""
    text = json.dumps(saved.meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return {"model.json": text.encode("utf-8"), "model.npz": arrays_to_npz_bytes(saved.arrays)}


def read_model(folder: Path, scoring: bool = True) -> SavedModel:
    """A model saved by the fit stage (model_files), checked (also that it can score new
    documents, if `scoring`); errors say what to do."""
    try:
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        with np.load(folder / "model.npz", allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except FileNotFoundError as exc:
        raise PipelineError(f"{exc.filename}: no saved model; run dvc repro (the fit stage "
                            "saves it)") from None
    saved = SavedModel(meta, arrays)
    check_saved(saved, str(folder), scoring)
    return saved


def check_saved(saved: SavedModel, source: str, scoring: bool = True) -> None:
    """A model file this code can score with; else one line saying what to do."""
    if saved.meta.get("format") not in READABLE:
        raise PipelineError(f"{source}: model format {saved.meta.get('format')!r} is not "
                            f"{FORMAT}; run dvc repro to fit the model again")
    shape = saved.arrays.get("components", np.zeros((0, 0))).shape
    if shape != (saved.n_topics, len(saved.vocabulary)):
        raise PipelineError(f"{source}: model.npz does not match model.json ({shape} weights "
                            f"for {saved.n_topics} topics of {len(saved.vocabulary)} terms); "
                            "run dvc repro to fit the model again")
    if scoring and saved.meta.get("engine") in SCORABLE and not saved.meta.get("scorable"):
        raise PipelineError(
            f"{source}: this {saved.meta.get('engine')} model was saved by a version that "
            "could not score new documents with it; run dvc repro to fit the model again")
    if scoring and saved.meta.get("engine") == "tomotopy_lda" and "tomotopy" not in saved.arrays:
        raise PipelineError(f"{source}: model.npz holds no tomotopy model; run dvc repro to "
                            "fit the model again")
    if scoring and not saved.meta.get("scorable"):
        raise PipelineError(
            f"{source}: a model of engine {saved.meta.get('engine')} describes only the "
            f"documents it was fitted on and cannot score new ones; set model.engine to one "
            f"of {', '.join(SCORABLE)} and run dvc repro")


def transform(saved: SavedModel, counts: sp.spmatrix) -> np.ndarray:
    """Topic shares (rows sum to 1, in table order) of new documents' term counts, whose
    columns are the saved vocabulary."""
    import scipy.sparse as sp

    from pipeline.model.engines import normalize_rows

    engine, params, arrays = saved.meta["engine"], saved.meta["params"], saved.arrays
    counts = sp.csr_matrix(counts, dtype=float)
    counts.eliminate_zeros()  # an explicit 0 would be log(0) in sublinear tf
    if engine == "tomotopy_lda":
        return _tomotopy_transform(saved, counts)
    k, n_terms = arrays["components"].shape
    if engine == "nmf":
        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import TfidfTransformer

        tfidf = TfidfTransformer(sublinear_tf=True)
        tfidf.idf_, tfidf.n_features_in_ = arrays["idf"], n_terms
        x = tfidf.transform(counts)
        nmf = NMF(n_components=k, solver=params["solver"], beta_loss=params["beta_loss"],
                  max_iter=params["max_iter"], tol=params["tol"])
        nmf.components_, nmf.n_components_, nmf.n_features_in_ = arrays["components"], k, n_terms
        nmf._n_components = k
        return normalize_rows(nmf.transform(x))
    if engine == "lda":
        from sklearn.decomposition import LatentDirichletAllocation

        lda = LatentDirichletAllocation(
            n_components=k, max_doc_update_iter=params["max_doc_update_iter"],
            mean_change_tol=params["mean_change_tol"])
        lda.components_ = arrays["components"]
        lda.exp_dirichlet_component_ = arrays["exp_dirichlet_component"]
        lda.doc_topic_prior_ = params["doc_topic_prior"]
        lda.topic_word_prior_ = params["topic_word_prior"]
        lda.n_features_in_, lda.n_batch_iter_, lda.n_iter_ = n_terms, 1, 1
        return normalize_rows(lda.transform(counts))
    if engine == "gensim_lda":
        from gensim.matutils import Sparse2Corpus, corpus2dense
        from gensim.models import LdaModel

        beta = arrays["exp_elog_beta"]
        lda = LdaModel(num_topics=k, id2word={i: str(i) for i in range(n_terms)},
                       alpha=arrays["alpha"].astype(beta.dtype), dtype=beta.dtype,
                       iterations=params["iterations"],
                       gamma_threshold=params["gamma_threshold"],
                       random_state=params["random_state"])
        lda.expElogbeta = beta
        gammas, _ = lda.inference(list(Sparse2Corpus(counts.tocsc(), documents_columns=False)))
        dense = corpus2dense([list(enumerate(row)) for row in gammas], num_terms=k).T
        return normalize_rows(dense)
    raise PipelineError(f"engine {engine} cannot score new documents")


def _tomotopy_transform(saved: SavedModel, counts: sp.spmatrix) -> np.ndarray:
    """New documents on a saved tomotopy model, topics in table order. Another tomotopy
    version may read the file differently or sample differently: refused, with what to do."""
    from pipeline.model.engines import TomotopyLDA, load_tomotopy

    params, arrays = saved.meta["params"], saved.arrays
    have, made = load_tomotopy().__version__, params["tomotopy_version"]
    if have != made:
        raise PipelineError(f"model.npz: the model was saved by tomotopy {made}, this is "
                            f"tomotopy {have}; run dvc repro to fit it again (or pip "
                            f"install tomotopy=={made})")
    model = TomotopyLDA.from_bytes(arrays["tomotopy"].tobytes(), len(saved.vocabulary),
                                   int(params["random_state"]), int(params["infer_sweeps"]))
    return model.transform(counts)[:, list(params["topic_order"])]
