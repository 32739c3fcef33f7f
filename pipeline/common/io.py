"""Typed readers of the interim outputs, and the one rule for naming topic columns.

Writing is centralized in pipeline/common/atomic.py; reading is here, every interim file and
table, so that no stage re-joins documents by id or parses `topic_1..K` column names on its
own.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.common.atomic import formula_guard_on
from pipeline.common.errors import PipelineError
from pipeline.common.spreadsheet import unguard_cell, unguard_frame

# pandas (0.3 s to import) and scipy.sparse are imported by the readers that need them:
# tokenize and vectorize read JSON lines only.
if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

TOPIC_PREFIX = "topic_"


def topic_column(topic: int) -> str:
    """The doc_topics.csv column of topic `topic` (numbered from 1)."""
    return f"{TOPIC_PREFIX}{topic}"


def topic_columns(frame: pd.DataFrame) -> list[str]:
    """The topic share columns of a doc_topics table, in topic order."""
    return [c for c in frame.columns if c.startswith(TOPIC_PREFIX)]


def topic_number(column: str) -> int:
    """The topic number of a topic share column (topic_3 -> 3)."""
    return int(column.removeprefix(TOPIC_PREFIX))


def n_fitted_topics(topics: list[dict]) -> int:
    """K of the fit behind topics.json, counting each merged topic's members
    (pipeline/model/topic_labels.py)."""
    return sum(len(t.get("merged_from") or [t["topic"]]) for t in topics)


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSON Lines file, one at a time."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


# Columns of our tables that hold text: read as strings, so that speakers `1` and `01` stay
# two speakers and an id keeps its leading zeros. Every other column is a number or a flag.
TEXT_COLUMNS = frozenset({"doc_id", "meeting", "speaker", "speaker_label", "role", "text",
                          "directions", "source_id", "date", "term", "theme", "title",
                          "attribute", "value", "time_bin", "bin_start", "bin_label"})


def _read_csv(path: Path, text: bool = False, columns: Sequence[str] | None = None
              ) -> pd.DataFrame:
    """A table written by write_csv, as it was before writing (text as text, guard undone;
    `text`: every column as text; `columns`: only these)."""
    import pandas as pd

    frame = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, usecols=columns,
                        dtype=str if text else dict.fromkeys(TEXT_COLUMNS, str))
    return unguard_frame(frame) if formula_guard_on() else frame



def read_json(path: str | Path) -> Any:
    """A JSON output (metrics, topics.json, relevance.json, roster.json, ...)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_index(path: str | Path) -> list[dict]:
    """The documents of the document-term matrix (dtm_documents.json), in row order."""
    return read_json(path)


@dataclass(frozen=True)
class IndexColumns:
    """dtm_documents.json as columns, in row order: a million documents cost tens of MB
    here, where read_index's dicts cost hundreds."""

    doc_id: np.ndarray  # object (str)
    n_tokens: np.ndarray  # int64
    weight: np.ndarray  # float64

    def n_tokens_of(self) -> dict[str, int]:
        return dict(zip(self.doc_id.tolist(), self.n_tokens.tolist(), strict=True))


def read_index_columns(path: str | Path) -> IndexColumns:
    """read_index's fields as columns, the file parsed as it streams (ijson): no list of
    documents is held."""
    import numpy as np

    ids: list[str] = []
    tokens = array("q")
    weights = array("d")
    for doc_id, n_tokens, weight in iter_index(path):
        ids.append(doc_id)
        tokens.append(n_tokens)
        weights.append(weight)
    return IndexColumns(np.array(ids, dtype=object), np.frombuffer(tokens, dtype=np.int64),
                        np.frombuffer(weights, dtype=np.float64))


def iter_index(path: str | Path) -> Iterator[tuple[str, int, float]]:
    """dtm_documents.json's documents in row order, each (doc_id, n_tokens, weight), parsed
    as the file streams: a reader alongside the matrix's rows holds none of them."""
    import ijson

    with open(path, "rb") as handle:
        for item in ijson.items(handle, "item", use_float=True):
            yield item["doc_id"], int(item["n_tokens"]), float(item.get("weight", 1.0))


def read_doc_topics(path: str | Path, index: list[dict]) -> pd.DataFrame:
    """doc_topics.csv with each document's modelled tokens (n_tokens, from the matrix's
    document index) as a last column: the weight of its shares in every aggregate."""
    doc_topics = _read_csv(Path(path))
    doc_topics["n_tokens"] = doc_topics["doc_id"].map({d["doc_id"]: d["n_tokens"] for d in index})
    return doc_topics


def read_table(path: str | Path, columns: Sequence[str] = (), text: bool = False
               ) -> pd.DataFrame:
    """One of our CSV tables, as written (text cells, formula guard undone; `text`: every
    cell as text). A table edited by hand so that it cannot be read, or lacks one of
    `columns` (those its reader uses), is one line naming it, not a traceback in a chart or
    a report."""
    import pandas as pd

    path = Path(path)
    remedy = ("the pipeline writes this table: restore it (git/dvc checkout) or rerun "
              "`dvc repro --force` to make it again")
    try:
        frame = _read_csv(path, text)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise PipelineError(f"{path}: not a table this pipeline wrote ({reason}); {remedy}"
                            ) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PipelineError(f"{path}: no column {missing[0]!r} (columns: "
                            f"{list(map(str, frame.columns))}); {remedy}")
    return frame


def read_column(path: str | Path, column: str) -> pd.Series:
    """One column of one of our tables, as read_table reads it, without parsing the rest
    (doc_topics.csv's meetings, without a share per topic and document)."""
    return _read_csv(Path(path), columns=[column])[column]


def iter_table_blocks(path: str | Path, rows: int, columns: Sequence[str] | None = None
                      ) -> Iterator[pd.DataFrame]:
    """One of our tables (doc_topics.csv), `rows` rows at a time (only `columns`, if given),
    each block read as read_table reads the whole: a stage that needs a row at a time holds
    one block."""
    import pandas as pd

    guard = formula_guard_on()
    with pd.read_csv(Path(path), encoding="utf-8-sig", keep_default_na=False, usecols=columns,
                     dtype=dict.fromkeys(TEXT_COLUMNS, str), chunksize=rows) as reader:
        for block in reader:
            yield unguard_frame(block) if guard else block


def read_header(path: str | Path) -> list[str]:
    """The column names of one of our tables, without reading its rows."""
    import pandas as pd

    return [str(c) for c in pd.read_csv(Path(path), encoding="utf-8-sig", nrows=0).columns]


def read_numbers(path: str | Path) -> pd.DataFrame:
    """A CSV of numbers only (plot data such as k_sweep.csv): an empty cell is a NaN."""
    import pandas as pd

    return pd.read_csv(Path(path))


def read_matrix(path: str | Path) -> sp.csr_matrix:
    """The document-term matrix (dtm.npz), rows in the order of dtm_documents.json."""
    import scipy.sparse as sp

    return sp.load_npz(Path(path)).tocsr()


def iter_matrix_blocks(path: str | Path, rows: int) -> Iterator[sp.csr_matrix]:
    """dtm.npz (as save_npz writes a CSR matrix), `rows` rows at a time, its arrays
    decompressed as they stream: a reader of every row holds the row offsets and one block,
    not the corpus's counts."""
    import zipfile

    import numpy as np
    import scipy.sparse as sp

    with zipfile.ZipFile(Path(path)) as archive:
        if _npy(archive, "format.npy").item() not in ("csr", b"csr"):
            whole = read_matrix(path)  # another layout: as read_matrix reads it
            yield from (whole[s:s + rows] for s in range(0, whole.shape[0], rows))
            return
        shape = tuple(int(v) for v in _npy(archive, "shape.npy"))
        indptr = _npy(archive, "indptr.npy")
        with archive.open("indices.npy") as indices, archive.open("data.npy") as data:
            index_type, data_type = _npy_header(indices), _npy_header(data)
            for start in range(0, shape[0], rows):
                offsets = indptr[start:min(start + rows, shape[0]) + 1]
                n = int(offsets[-1] - offsets[0])
                # Writable (bytearray): scipy sorts a block's indices in place if it must.
                block = (np.frombuffer(bytearray(data.read(n * data_type.itemsize)),
                                       dtype=data_type),
                         np.frombuffer(bytearray(indices.read(n * index_type.itemsize)),
                                       dtype=index_type),
                         offsets - offsets[0])
                yield sp.csr_matrix(block, shape=(len(offsets) - 1, shape[1]))


def _npy(archive, name: str) -> np.ndarray:
    """One whole array of an .npz archive."""
    import numpy as np

    with archive.open(name) as handle:
        return np.lib.format.read_array(handle)


def _npy_header(handle) -> np.dtype:
    """The element type of an .npy stream, read up to its first element (C order, 1-D)."""
    import numpy as np

    version = np.lib.format.read_magic(handle)
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    _, fortran, dtype = read_header(handle)
    if fortran or dtype.hasobject:
        raise PipelineError(f"{handle.name}: not an array this pipeline wrote; rerun "
                            "`dvc repro --force`")
    return dtype


def read_matrix_shape(path: str | Path) -> tuple[int, int]:
    """The document-term matrix's (documents, terms), without reading its entries."""
    import numpy as np

    with np.load(Path(path)) as arrays:
        n_docs, n_terms = arrays["shape"]
    return int(n_docs), int(n_terms)


def iter_records(path: str | Path) -> Iterator[dict]:
    """The records of a JSON-lines output (documents.jsonl, tokens.jsonl), streamed."""
    return iter_jsonl(Path(path))


def read_doc_terms(path: str | Path) -> tuple[dict[str, list[str]], frozenset[str]]:
    """Every document's terms in tokens.jsonl (doc_id -> terms, in file order), each distinct
    term one string however often it recurs, and the documents marked procedural."""
    terms: dict[str, list[str]] = {}
    procedural = set()
    same: dict[str, str] = {}
    for record in iter_jsonl(Path(path)):
        terms[record["doc_id"]] = [same.setdefault(w, w) for w in record["terms"]]
        if record.get("procedural"):
            procedural.add(record["doc_id"])
    return terms, frozenset(procedural)


def read_terms(path: str | Path, doc_ids: Sequence[str] | None,
               vocabulary: Container[str]) -> list[list[str]]:
    """The terms (those in `vocabulary`) of the given documents of tokens.jsonl, in that order,
    streamed; doc_ids None: of every document there, in file order, including those the
    matrix dropped (they have no modelled term, but gensim counts them as empty windows)."""
    if doc_ids is None:
        return [[w for w in r["terms"] if w in vocabulary] for r in iter_jsonl(Path(path))]
    position = {d: i for i, d in enumerate(doc_ids)}
    texts: list[list[str] | None] = [None] * len(doc_ids)
    for record in iter_jsonl(Path(path)):
        i = position.get(record["doc_id"])
        if i is not None:
            texts[i] = [w for w in record["terms"] if w in vocabulary]
    missing = [d for d, t in zip(doc_ids, texts, strict=True) if t is None]
    if missing:
        raise PipelineError(f"{path}: no terms for document {missing[0]} of the matrix "
                            f"({len(missing)} missing); run dvc repro to rebuild it")
    return [t for t in texts if t is not None]  # every one, past the check


def read_documents_frame(path: str | Path, doc_ids: Sequence[str],
                         fields: Sequence[str]) -> pd.DataFrame:
    """doc_id and `fields` ("" if absent) of each document of the matrix, in its row order."""
    import pandas as pd

    row_of = {d: i for i, d in enumerate(doc_ids)}
    columns: list[list[Any]] = [[None] * len(doc_ids) for _ in fields]
    # Streamed (the file holds the whole corpus's text), straight into columns, each repeated
    # value (a meeting's name, a speaker's) held once: no second copy of every document's
    # fields on the way to the frame.
    same: dict[Any, Any] = {}
    found = bytearray(len(doc_ids))
    for doc in iter_jsonl(Path(path)):
        row = row_of.get(doc["doc_id"])
        if row is None:
            continue
        found[row] = 1
        for column, name in zip(columns, fields, strict=True):
            value = doc.get(name, "")
            column[row] = same.setdefault(value, value)
    if found.count(0):
        raise PipelineError(f"{path}: {found.count(0)} documents of the matrix are not in "
                            "it; run dvc repro to rebuild the outputs")
    return pd.DataFrame({"doc_id": list(doc_ids), **dict(zip(fields, columns, strict=True))},
                        columns=["doc_id", *fields])


def iter_documents_frames(path: str | Path, doc_ids: Sequence[str] | np.ndarray,
                          fields: Sequence[str], rows: int) -> Iterator[pd.DataFrame]:
    """read_documents_frame's frame `rows` rows at a time, streamed: the matrix's documents
    come in documents.jsonl's order (vectorize keeps it), so only a block is held."""
    import pandas as pd

    docs = iter_jsonl(Path(path))
    for start in range(0, len(doc_ids), rows):
        wanted = doc_ids[start:start + rows]
        columns: list[list[Any]] = [[] for _ in fields]
        for doc_id in wanted:
            doc = next((d for d in docs if d["doc_id"] == doc_id), None)
            if doc is None:
                raise PipelineError(f"{path}: document {doc_id} of the matrix is not in it "
                                    "(or not in the matrix's order); run dvc repro to rebuild "
                                    "the outputs")
            for column, name in zip(columns, fields, strict=True):
                column.append(doc.get(name, ""))
        yield pd.DataFrame({"doc_id": list(wanted), **dict(zip(fields, columns, strict=True))},
                           columns=["doc_id", *fields])


def iter_documents(path: str | Path) -> Iterator[dict]:
    """The documents of documents.jsonl in corpus order, streamed (the report keeps the text
    of those within report.search_max_chars: pipeline/report/inputs.py)."""
    return iter_jsonl(Path(path))


def iter_turns(path: str | Path) -> Iterator[dict[str, str]]:
    """The rows of turns.csv as written (every cell text, formula guard undone), streamed:
    the whole corpus's text is never held at once."""
    import csv

    csv.field_size_limit(2**31 - 1)  # one turn may be longer than csv's 131,072 default
    unguard = formula_guard_on()
    with open(Path(path), encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {k: unguard_cell(v) if unguard else v for k, v in row.items()}


DOCUMENT_FIELDS = ("doc_id", "meeting", "speaker", "role", "date")


def read_document_table(path: str | Path, ids: Iterable[str] = ()) -> pd.DataFrame:
    """The one document table (documents.jsonl without its text): doc_id, meeting, speaker,
    role, date and one column per speaker attribute (group, position, ...; "" where a
    document has none). An attribute named like a base field gets an `attribute_` prefix.
    A doc_id equal to one of `ids` is that very string (the caller's, held once)."""
    import pandas as pd

    # Column by column, each repeated value one string: a dict per document and a string
    # per cell held 1 GB for a million documents.
    columns: dict[str, list] = {f: [] for f in DOCUMENT_FIELDS}
    same: dict[str, str] = {doc_id: doc_id for doc_id in ids}
    n_rows = 0
    for d in iter_jsonl(Path(path)):
        for f in DOCUMENT_FIELDS:
            columns[f].append(_one(same, d.get(f, "")))
        for name, value in (d.get("attributes") or {}).items():
            key = f"attribute_{name}" if name in DOCUMENT_FIELDS else name
            if key not in columns:  # first seen here: none of the documents before had it
                columns[key] = [None] * n_rows
            columns[key].append(_one(same, value))
        n_rows += 1
        for column in columns.values():
            if len(column) < n_rows:  # an attribute this document does not have
                column.append(None)
    if not n_rows:
        return pd.DataFrame(columns=list(DOCUMENT_FIELDS))
    extra = sorted(c for c in columns if c not in DOCUMENT_FIELDS)
    table = pd.DataFrame({c: columns[c] for c in [*DOCUMENT_FIELDS, *extra]})
    return table.fillna("").astype(str)


def _one(same: dict, value):
    """The one copy of an equal string kept so far (others as they are)."""
    return same.setdefault(value, value) if isinstance(value, str) else value


def read_meeting_table(path: str | Path) -> pd.DataFrame:
    """meetings.csv with every cell as text (a meeting attribute 0213 stays "0213", an
    empty cell ""), formula guard undone; a table without `meeting` and `title` is one
    line naming it."""
    return read_table(path, ("meeting", "title"), text=True)


def read_meeting_titles(path: str | Path) -> dict[str, str]:
    """meeting -> its title (meetings.csv, which ingest writes: a title, else the id)."""
    meetings = read_table(path, ("meeting", "title"))
    return dict(zip(meetings["meeting"].astype(str), meetings["title"].astype(str),
                    strict=True))


def with_titles(table: pd.DataFrame, titles: dict[str, str]) -> pd.DataFrame:
    """A table with a `meeting` column, with each meeting's `title` right after it."""
    titled = table.assign(title=[titles.get(m, m) for m in table["meeting"].astype(str)])
    order = list(table.columns)
    order.insert(order.index("meeting") + 1, "title")
    return titled[order]
