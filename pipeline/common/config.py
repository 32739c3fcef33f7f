"""The schema of `configs/pipeline.yaml`, validated before any work starts.

Its defaults are the shipped file's values, the one source of defaults (a test proves they
are equal), except the files a project names itself: `ingest.input` (required) and
`model.themes_file` / `tokens.stopwords_file` / `ingest.roster` / `ingest.meetings` /
`score.input` (null = none; under DVC each names a file, the shipped ones empty)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from pipeline.common.errors import PipelineError


def _check_n_jobs(value: int) -> int:
    """Not 0 (-1 is every core)."""
    if value == 0:
        raise ValueError("must be -1 (every core) or a number of processes >= 1")
    return value


# More processes than this is a typo, not a machine (a number above the machine's cores but
# below it is capped at the cores, with a note in the stage's log).
MAX_PROCESSES = 1024

# Processes to use: -1 = every core, else at least 1.
NJobs = Annotated[int, AfterValidator(_check_n_jobs)]


class _Section(BaseModel):
    # inf and nan pass a float's bounds in pydantic unless refused here.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


MAX_TITLE_COLUMNS = 10  # a title joined from more columns than this is a mistake


class TableColumns(_Section):
    """Which column of a .csv/.tsv/.jsonl table holds each field."""

    speaker: str = Field("speaker", description="Column with the speaker's name.")
    text: str = Field("text", description="Column with what was said.")
    id: str = Field("id", description="Row id, passed to doc_topics.csv as source_id.")
    meeting: str = Field("meeting", description="Meeting id (else the file name).")
    date: str = Field("date", description="Meeting date.")
    title: str | list[str] = Field(
        "title", description="Meeting title: a column, or a list of columns joined with a "
        "space ([house, meeting, issue] for NDL records: 衆議院 安全保障委員会 第13号); absent "
        "columns are fine; a meeting without one is titled by its id.",
    )
    role: str = Field("role", description="Speaker's role (else split off the name).")
    attributes: dict[str, str] = Field(
        default_factory=lambda: {"group": "group", "position": "position"},
        description="Speaker attributes (会派, 役職, ...) carried to every table: name -> the "
        "column holding it ({group: speakerGroup} for NDL API records). group gives "
        "group_topics.csv; each gives rows in attribute_topics.csv. The shipped columns may "
        "be absent; a column named here otherwise must exist.",
    )
    meeting_attributes: dict[str, str] = Field(
        default_factory=dict, description="Meeting attributes (委員会, 院, ...): name -> the "
        "column holding it ({委員会: meeting, 院: house} for diet-dev's records). The value "
        "must be the same on every row of a meeting (an empty cell gives none); each gives "
        "a column of meetings.csv and rows in meeting_attribute_topics.csv. The ingest.meetings "
        "CSV's columns are meeting attributes too, and win where they give a value.",
    )

    @field_validator("title")
    @classmethod
    def _title_columns(cls, value: str | list[str]) -> str | list[str]:
        names = [value] if isinstance(value, str) else value
        if not names or len(names) > MAX_TITLE_COLUMNS or not all(n.strip() for n in names):
            raise ValueError(f"must be a column name or a list of 1 to {MAX_TITLE_COLUMNS} "
                             "column names, e.g. [house, meeting, issue]")
        return value

    @field_validator("attributes", "meeting_attributes")
    @classmethod
    def _attribute_names(cls, value: dict[str, str]) -> dict[str, str]:
        """Names are plain (no / \\ : and not starting with a dot)."""
        # A name becomes a chart's file name: no folders, no hidden files.
        for name in value:
            if not name.strip() or name.startswith(".") or any(c in name for c in "/\\:"):
                raise ValueError(f"attribute name {name!r} must be a plain name (no / \\ : "
                                 "and not starting with a dot), e.g. group")
        return value

    @field_validator("meeting_attributes")
    @classmethod
    def _meeting_attribute_names(cls, value: dict[str, str]) -> dict[str, str]:
        """A meeting attribute is a column of meetings.csv beside its own columns."""
        taken = [n for n in value if n in ("meeting", "title", "date", "modelled")]
        if taken:
            raise ValueError(f"meeting attribute name {taken[0]!r} is a column meetings.csv "
                             "already has (meeting, title, date, modelled); name it otherwise, "
                             "e.g. committee")
        return value


# The chair and the clerk run minutes: their turns are procedure, not subjects (measured in
# benchmarks/quality_minutes.py). A role ending in one of these matches (予算委員長).
PROCEDURAL_ROLES = ("議長", "委員長", "委員長代理", "会長", "会長代理", "座長", "事務総長")


class IngestConfig(_Section):
    """Reading transcripts and tables into turns and documents."""

    input: str = Field(description="A transcript file or a folder of them (searched recursively).")
    unit: Literal["auto", "turn", "paragraph", "sentences"] = Field(
        "auto", description="What one modelled document is: a whole turn, a paragraph "
        "within a turn, or a window of `sentences_per_doc` sentences within a turn; auto = a "
        "turn for a table of utterances (.csv/.tsv/.jsonl: minutes, one speech a row), a "
        "paragraph for a text transcript (long talks)."
    )
    sentences_per_doc: int = Field(
        3, ge=1, le=1000, description="Window size when unit is sentences (1 to 1000)."
    )
    max_doc_chars: int = Field(
        2000, ge=100, le=1_000_000, description="Documents longer than this are split at "
        "sentence ends (100 to 1,000,000 characters)."
    )
    style: Literal["auto", "angle", "angle_inline", "diet", "colon"] = Field(
        "auto", description="Speaker tag style; auto detects it per file."
    )
    encoding: Literal["auto", "utf-8", "utf-8-sig", "utf-16", "cp932", "euc-jp"] = Field(
        "auto", description="Text encoding; auto detects it per file."
    )
    fold_old_kanji: bool = Field(
        True, description="Fold old character forms to current ones (勞働 → 労働, 會 → 会)."
    )
    columns: TableColumns = Field(
        default_factory=lambda: TableColumns(),
        description="For .csv/.tsv/.jsonl inputs: which column holds each field.",
    )
    exclude_rows: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Table rows to skip: column -> values, e.g. {kind: [header]} (counted).",
    )
    speaker_weights: dict[str, Annotated[float, Field(gt=0, le=1000)]] = Field(
        default_factory=dict,
        description="Speaker -> weight in the model (e.g. 0.3 for a procedural chair; above 0, "
        "at most 1000).",
    )
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="Speaker name -> canonical name (one person, two labels).",
    )
    group_aliases: dict[str, str] = Field(
        default_factory=dict,
        description="Value of the group attribute -> the group it is counted as (variants of "
        "one party: {自由民主党・無所属の会: 自由民主党}); ingest.json says how many speakers "
        "and turns each merged.",
    )
    exclude_speakers: list[str] = Field(
        default_factory=list,
        description="Speakers kept in turns.csv but not modelled, e.g. the chair.",
    )
    procedural_roles: list[str] = Field(
        default_factory=lambda: list(PROCEDURAL_ROLES),
        description="Roles that run the meeting (a role ending in one of these: 予算委員長 "
        "ends in 委員長); their turns are kept in turns.csv but weighted by "
        "procedural_weight in the model. [] = every role modelled alike.",
    )
    procedural_weight: float = Field(
        0.0, ge=0, le=1, description="Weight of procedural roles' turns in the model; "
        "0 = left out of fitting (counted as procedural_role).",
    )
    roster: str | None = Field(
        None, description="Optional CSV of speakers (speaker, group, any other columns) whose "
        "attributes fill what the transcripts lack; null = none.",
    )
    meetings: str | None = Field(
        None, description="Optional CSV of meetings (meeting, title, date, and any other "
        "columns such as committee or house) naming and dating each meeting; it wins over the "
        "transcripts' own titles and dates; null = none.",
    )
    min_doc_chars: int = Field(
        100, ge=0, le=1_000_000, description="With unit paragraph: a turn's consecutive "
        "paragraphs are merged until a document has at least this many characters (minutes "
        "often put one sentence per paragraph). 0 = every paragraph alone; at most 1,000,000.",
    )
    chair_speech_min_chars: int = Field(
        300, ge=0, le=1_000_000, description="A turn of a procedural role at least this long "
        "whose sentences are mostly not procedure (a bill explanation, a committee report) is "
        "the speaker's own speech: modelled at full weight. 0 = never; at most 1,000,000.",
    )


PartOfSpeech = Literal["noun", "proper_noun", "verb", "adjective"]
DEFAULT_POS: tuple[PartOfSpeech, ...] = ("noun", "proper_noun")


class TokensConfig(_Section):
    """Turning documents into terms (fugashi + unidic-lite)."""

    pos: list[PartOfSpeech] = Field(
        default_factory=lambda: list(DEFAULT_POS),
        description="Parts of speech that become terms.",
    )
    compounds: bool = Field(True, description="Join runs of nouns into one term (安全+保障).")
    compound_min_count: int = Field(
        3, ge=1, le=1_000_000, description="A joined compound seen fewer times than this is "
        "split back (1 to 1,000,000)."
    )
    keep_phrases: list[str] = Field(
        default_factory=list, description="Phrases always kept as one term."
    )
    stopwords_file: str | None = Field(
        None, description="Extra stopwords, one per line (besides the shipped list); "
        "null = none (a user file: the shipped config names configs/stopwords.txt).",
    )
    min_chars: int = Field(
        1, ge=1, le=100, description="Shortest term kept, in characters (1 to 100)."
    )
    collocations: bool = Field(
        False, description="Also join word pairs the corpus uses together (gensim Phrases, NPMI)."
    )
    collocation_min_count: int = Field(
        5, ge=1, le=1_000_000, description="Pairs seen fewer times stay apart (1 to 1,000,000)."
    )
    collocation_threshold: float = Field(
        0.5, gt=-1, le=1, description="NPMI a pair needs to be joined (gensim Phrases)."
    )
    n_jobs: NJobs = Field(
        -1, ge=-1, le=MAX_PROCESSES, description="Processes for tokenizing large inputs (over "
        "200,000 characters; smaller ones are tokenized in one process); -1 = "
        "every core; more than the cores is capped at the cores (a note in the log); at most "
        "1024."
    )
    boilerplate_min_meetings: int = Field(
        3, ge=0, le=1_000_000, description="A sentence or line that recurs (numbers and spaces "
        "folded) in at least this many meetings is boilerplate: kept in turns.csv, not "
        "modelled. 0 = off; at most 1,000,000.",
    )
    boilerplate_min_speakers: int = Field(
        2, ge=1, le=1_000_000, description="... and is said by at least this many speakers (one "
        "person repeating a sentence in several meetings is speech). 1 = any speaker; at most "
        "1,000,000.",
    )
    boilerplate_min_docs: int = Field(
        5, ge=2, le=1_000_000, description="In a corpus of fewer meetings than "
        "boilerplate_min_meetings: boilerplate recurs in at least this many documents "
        "(2 to 1,000,000).",
    )
    drop_procedural_documents: bool = Field(
        True, description="A document whose terms are mostly procedure (at least half in the "
        "shipped procedure lexicon) is not modelled (counted in tokens.json).",
    )
    cache: bool = Field(
        True, description="Keep each meeting's tokens (in outputs/cache/tokens), keyed by its "
        "text and these settings, so a rerun tokenizes only new or changed meetings.",
    )



class VectorizeConfig(_Section):
    """The document-term matrix: which terms and documents are modelled."""

    min_df: int = Field(
        2, ge=1, le=1_000_000, description="Drop terms in fewer documents than this "
        "(1 to 1,000,000)."
    )
    max_df: float = Field(
        0.3, gt=0, le=1, description="Drop terms in more than this share of documents."
    )
    # The model's matrices are topics x terms, and the vocabulary past min_df keeps growing
    # with the corpus (37k terms at 30M characters, 210k at 300M): a cap keeps the fit's
    # working set fixed; the terms past it are the rarest (2.7% of tokens at 300M).
    max_features: int | None = Field(
        50_000, ge=1, le=10_000_000, description="Keep at most this many terms, the most "
        "frequent (1 to 10,000,000); null = no limit. A fixed size for the model on any "
        "corpus: meetings' vocabularies stay under it until tens of millions of characters."
    )
    max_meeting_df: float = Field(
        0.25, gt=0, le=1, description="In a corpus of 20 meetings or more: drop terms used in "
        "more than this share of the meetings (what every sitting says tells no subject); "
        "1 = off.")
    min_doc_terms: int = Field(
        1, ge=1, le=10_000, description="Documents with fewer terms (after min_df/max_df) are "
        "left out of the model (counted in outputs/metrics/vectorize.json); 1 to 10,000.")


# More topics than anyone reads; also what keeps a K sweep's range finite.
MAX_TOPICS = 1000


class ModelConfig(_Section):
    """The topic model and how K is chosen."""

    engine: Literal["nmf", "lda", "gensim_lda", "author_topic", "tomotopy_lda"] = Field(
        "nmf", description="Topic model engine (author_topic: gensim, speakers as authors; "
        "tomotopy_lda: optional extra).")
    n_topics: int | Literal["auto"] = Field(
        "auto", description="Number of topics (2 to 1000), or auto to pick it from "
        "k_min..k_max by measurement."
    )
    k_min: int = Field(
        4, ge=2, le=MAX_TOPICS, description="Smallest K tried when n_topics is auto (2 to 1000)."
    )
    k_max: int | Literal["auto"] = Field(
        "auto", description="Largest K tried when n_topics is auto (2 to 1000); auto = scaled "
        "with the corpus (the square root of the documents, 12 to 200, at most one topic "
        "per five documents), and widened past its top while the rule chooses the top; a "
        "number is never exceeded.")
    n_seeds: int = Field(
        3, ge=1, le=50, description="Fits per K, for the stability score, each on a subsample "
        "of its own (K does not change with seed; 1 to 50)."
    )
    max_iter: int = Field(
        400, ge=10, le=100_000, description="Iteration cap for the solver (10 to 100,000)."
    )
    n_top_terms: int = Field(10, ge=3, le=50, description="Terms per topic in the tables.")
    relevance_lambda: float = Field(
        0.6, ge=0, le=1,
        description="λ of LDAvis relevance for topic labels: 1 = most probable words, "
        "lower = words special to the topic.",
    )
    themes_file: str | None = Field(
        None, description="Seeded themes (YAML); each guides one topic (nmf, tomotopy_lda; "
        "the other engines fit free topics). null = all topics free "
        "(a user file: the shipped config names configs/themes.yaml)."
    )
    solver: Literal["auto", "batch", "online"] = Field(
        "auto", description="online: minibatch fitting (MiniBatchNMF, online LDA) for corpora "
        "too large for a batch solver; auto = online from online_min_docs documents.",
    )
    online_min_docs: int = Field(
        100_000, ge=1, le=1_000_000_000, description="Documents from which solver auto fits "
        "online (at most 1,000,000,000)."
    )
    sweep_max_docs: int = Field(
        20_000, ge=100, le=10_000_000, description="The K sweep scores K on at most this many "
        "documents (a fixed random sample; 100 to 10,000,000); the final model sees every "
        "document.",
    )
    n_jobs: NJobs = Field(
        -1, ge=-1, le=MAX_PROCESSES, description="Processes for the K sweep's fits; -1 = every "
        "core; more than the cores is capped at the cores (a note in the log); at most 1024."
    )

    @field_validator("n_topics", "k_max", mode="before")
    @classmethod
    def _count_or_auto(cls, value: object) -> object:
        """From 2 to 1000."""
        # One clear message instead of one per member of the int | "auto" union.
        if value == "auto":
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number >= 2 or auto")
        if value < 2:
            raise ValueError("must be >= 2")
        if value > MAX_TOPICS:
            raise ValueError(f"must be <= {MAX_TOPICS}")
        return value

    @model_validator(mode="after")
    def _k_range(self) -> ModelConfig:
        """k_min is at most k_max (when k_max is a number)."""
        if self.k_max != "auto" and self.k_min > self.k_max:
            raise ValueError(f"k_min ({self.k_min}) must be <= k_max ({self.k_max})")
        return self


class SpeakersConfig(_Section):
    """Each speaker's topic shares and their intervals."""

    n_bootstrap: int = Field(
        500, ge=50, le=100_000, description="Bootstrap resamples for the intervals (50 to "
        "100,000: past a few thousand an interval no longer moves, and memory grows with it)."
    )
    ci: float = Field(0.9, gt=0, lt=1, description="Coverage of the interval.")
    min_tokens: int = Field(
        40, ge=1, le=1_000_000, description="Speakers with fewer modelled tokens are flagged, "
        "not ranked (1 to 1,000,000)."
    )
    min_group_speakers: int = Field(
        3, ge=1, le=1_000_000, description="A group (会派, any attribute value) of fewer "
        "speakers is shown with small_group true and never marked as setting itself apart: "
        "one speaker's subjects are not a party's (1 = every group judged).",
    )
    n_jobs: NJobs = Field(
        -1, ge=-1, le=MAX_PROCESSES, description="Processes for the bootstrap of large inputs "
        "(20,000,000 resampled documents or more: documents × n_bootstrap; smaller ones run in "
        "one process); -1 = every core; more than the cores is capped at the cores (a note "
        "in the log); at most 1024."
    )


class ReportConfig(_Section):
    """The HTML and Markdown report."""

    title: str = Field("会議トピック分析", description="Report title.")
    n_quotes: int = Field(3, ge=0, le=20, description="Representative passages per topic.")
    quote_min_share: float = Field(
        0.5, gt=0, le=1, description="A passage is shown as representative of a topic only "
        "if the topic holds at least this share of it.",
    )
    search_max_chars: int = Field(
        5_000_000, ge=0, le=1_000_000_000, description="Characters of transcript text embedded "
        "in the report for its search and topic browser: every turn of turns.csv, modelled "
        "or not, in corpus order (at most 1,000,000,000); past it the page says how many "
        "lines are left out.",
    )
    search_max_turns: int = Field(
        100_000, ge=1, le=100_000_000, description="Turns of turns.csv embedded in the "
        "report for its search and topic browser (1 to 100,000,000): from a corpus of more "
        "turns, a random sample of this many (drawn with `seed`, so the same every run) "
        "in corpus order, and the page says so; keeps the page and the stage's memory "
        "bounded. report.search_max_chars then applies to the sample.",
    )
    ca_rows: str = Field(
        "speaker", min_length=1, max_length=100, description="Rows of the correspondence "
        "analysis chart (speaker_term_ca.png) against terms: speaker, meeting, or the name of "
        "a speaker attribute of ingest.columns.attributes (group: the 会派).",
    )
    time_bin: Literal["auto", "meeting", "month", "quarter", "year"] = Field(
        "auto", description="Topics over time (topic_time.csv, the timeline chart): one "
        "column per meeting, or meetings pooled by calendar month, quarter or year "
        "(token-weighted); auto: a column per meeting up to 24 dated meetings, else the "
        "finest of month, quarter and year with at most 36 bins, a column per meeting if "
        "that gives fewer than 6 (and the turn-by-turn flow of each meeting up to 6 "
        "meetings). Undated meetings are left out and counted.",
    )
    n_jobs: NJobs = Field(
        -1, ge=-1, le=MAX_PROCESSES, description="Processes for the networks stage's counts "
        "of terms in large inputs (2,000,000 modelled tokens or more; smaller ones are "
        "counted in one process); -1 = every core; more than the cores is capped at the "
        "cores (a note in the log); at most 1024."
    )
    compare_with: str | None = Field(
        None, min_length=1, max_length=4096, description="A folder of an earlier run's outputs "
        "(`cp -r outputs /tmp/before`) or an earlier project folder: the report gets a section "
        "comparing this run with it (changed settings, K, quality readings, topics matched by "
        "their top terms — same, split, merged, new, gone — and speakers whose main topic "
        "moved), as `python -m pipeline.compare` does; empty = none. DVC does not watch the "
        "folder: after replacing what it holds, `dvc repro -f -s report`.",
    )
    since_last_run: bool = Field(
        False, description="Also compare with the run made before this one in this project "
        "(outputs/report/run.json as the last report left it). The report then depends on "
        "what ran before, not only on the inputs and settings: the same run can give another "
        "report, so this is off unless asked for (docs/design.md#comparing-two-runs).",
    )


class OutputConfig(_Section):
    """How tables are written."""

    csv_formula_guard: bool = Field(
        True, description="Put a ' in front of a CSV text cell that starts with = + - @ "
        "(or a tab or carriage return), so that a spreadsheet shows it as text instead of "
        "running it as a formula (the OWASP rule); false writes cells as they are.",
    )


class ComputeConfig(_Section):
    """Where the parallel work runs (the outputs do not depend on it)."""

    backend: Literal["local", "dask"] = Field(
        "local", description="local: processes on this machine; dask: tokenizing, the K "
        "sweep and the final fit's placing of documents, the speakers' bootstrap and the "
        "networks' counts run on a Dask cluster (same outputs).",
    )
    scheduler: str | None = Field(
        None, description="Dask scheduler address (tcp://host:8786); null = a LocalCluster "
        "on this machine.",
    )
    n_workers: int | None = Field(
        None, ge=1, le=MAX_PROCESSES, description="Workers of the LocalCluster; null = one per "
        "core; more than the cores is capped at the cores (a note in the log); at most 1024."
    )

    @field_validator("scheduler")
    @classmethod
    def _scheduler(cls, value: str | None) -> str | None:
        """An address tcp://host:port (or tls://, ucx://), not the dashboard's http://."""
        if value is not None and not re.fullmatch(r"(tcp|tls|ucx)://[^\s:/]+:\d+/?", value):
            raise ValueError("must be a Dask scheduler address like tcp://host:8786 (not the "
                             "dashboard's http:// address), or null for a LocalCluster")
        return value


class ScoreConfig(_Section):
    """New transcripts put on the fitted topics without refitting."""

    input: str | None = Field(
        None, description="New transcripts (a file or a folder) to put on the fitted topics "
        "by the score stage (outputs/score/), read with the ingest and tokens settings; the "
        "fit does not rerun. null = nothing to score.",
    )


class PipelineConfig(_Section):
    """The whole of configs/pipeline.yaml: the seed, and one section per step."""

    seed: int = Field(
        42, ge=0, lt=2**32, description="The one seed for everything random (0 to 4294967295, "
        "what numpy and scikit-learn take)."
    )
    ingest: IngestConfig
    tokens: TokensConfig = TokensConfig()
    vectorize: VectorizeConfig = VectorizeConfig()
    model: ModelConfig = ModelConfig()
    speakers: SpeakersConfig = SpeakersConfig()
    report: ReportConfig = ReportConfig()
    output: OutputConfig = OutputConfig()
    compute: ComputeConfig = ComputeConfig()
    score: ScoreConfig = ScoreConfig()


_BOUNDS = {"greater_than_equal": (">=", "ge"), "greater_than": (">", "gt"),
           "less_than_equal": ("<=", "le"), "less_than": ("<", "lt")}
_KINDS = {"int_parsing": "must be a whole number", "int_type": "must be a whole number",
          "int_from_float": "must be a whole number", "float_parsing": "must be a number",
          "float_type": "must be a number", "finite_number": "must be a finite number"}


def _describe(error: ErrorDetails) -> str:
    key = ".".join(str(p) for p in error["loc"]
                   if not str(p).startswith(("int", "literal", "[key]")))
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{key}: unknown key (check its spelling; see README 'Settings')"
    if kind == "missing":
        return f"{key}: required key is missing"
    got = error.get("input")
    message = error["msg"].removeprefix("Value error, ")
    if kind in _BOUNDS:  # "must be <= 100000" rather than pydantic's "Input should be ..."
        sign, name = _BOUNDS[kind]
        message = f"must be {sign} {error['ctx'][name]}"
    elif kind in _KINDS:
        message = _KINDS[kind]
    if isinstance(got, dict | list):
        return f"{key}: {message}"
    return f"{key}: {message} (got {got!r})"


def validation_error(exc: ValidationError, source: str) -> PipelineError:
    """Every problem pydantic found, one line each, naming the file and the key."""
    seen: list[str] = []
    for error in exc.errors():
        line = f"{source}: {_describe(error)}"
        if line not in seen:
            seen.append(line)
    return PipelineError("\n".join(seen))


def parse_config(data: object, source: str = "config") -> PipelineConfig:
    """Validate a parsed YAML mapping; every problem is reported, one line each."""
    if not isinstance(data, dict):
        raise PipelineError(f"{source}: must be a mapping of sections (seed, ingest, model, ...)")
    try:
        return PipelineConfig.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, source) from None


class RefusedYaml(yaml.MarkedYAMLError):
    """A key given twice in one mapping, or an alias: what a user-edited file must not hold."""

    # Always raised with both (yaml's base class allows None).
    problem: str
    problem_mark: yaml.Mark


class UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice in one mapping (PyYAML keeps the last one
    silently: `1: a` then `1: b` would lose a) and refusing aliases (`*name`): a file a user
    edits needs none, and nested aliases (an "alias bomb") expand to billions of values."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise RefusedYaml(problem=f"an alias (*{event.anchor}) is not allowed here; write "
                               "the value out", problem_mark=event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        first: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                if key in first:
                    raise RefusedYaml(problem=f"{key!r} is given twice (first on line "
                                       f"{first[key]})", problem_mark=key_node.start_mark)
                first[key] = key_node.start_mark.line + 1
            except TypeError:
                pass  # an unhashable key: the base class says so
        return super().construct_mapping(node, deep)


def read_yaml(path: str | Path, what: str = "config") -> object:
    """A YAML file parsed; a missing, non-UTF-8 or malformed file, a key given twice or an
    alias is one line with its line number."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PipelineError(f"{path}: {what} file not found") from None
    except UnicodeDecodeError:
        raise PipelineError(f"{path}: {what} is not UTF-8 text") from None
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader
    except RefusedYaml as exc:
        advice = ("give each key once (YAML would keep only the last)" if "twice" in
                  exc.problem else "")
        raise PipelineError(f"{path}:{exc.problem_mark.line + 1}: {exc.problem}"
                            + (f"; {advice}" if advice else "")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise PipelineError(f"{path}{where}: malformed YAML ({problem})") from None


def load_config(path: str | Path) -> PipelineConfig:
    """Read and validate the params file."""
    return parse_config(read_yaml(path), str(path))
