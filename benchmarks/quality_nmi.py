"""How well each topic-model engine recovers known labels: NMI and fit time.

Every engine in `pipeline.model.engines.ENGINES` (built with `make_model`, as the fit stage
does) is fitted with K = the number of labels, under several seeds, on three corpora:

- `synthetic-easy` / `synthetic-hard`: planted-topic Japanese corpora generated here with
  `numpy.random.default_rng(7)` (fixed: the seeds vary the models only). Each of 9 themes
  (教育, 医療, 防衛, 農業, 財政, 環境, 交通, 労働, 科学技術) has its own 24 nouns; a
  document of 20–80 tokens belongs to one theme and draws its tokens from that theme, from
  other themes and from shared background nouns (会議, 政府, 問題, …), each list
  Zipf-weighted. Easy: 80% own theme, 15% background, 5% any other theme. Hard: 50% own
  theme, 30% one secondary theme (drawn per document), 20% background: every document is a
  two-theme mixture. The token lists go straight to `build_dtm` (they are already nouns; the
  tokenizer would join adjacent nouns into compounds).
- `kokkai`: the Diet sample `tests/data/kokkai/speeches.jsonl` read as the pipeline reads it
  (`pipeline.ingest.tables`, header records excluded, old character forms folded); one document per
  speech, label = the meeting (issueID, 7 meetings); tokenized with `tokenize_corpus`
  (nouns and proper nouns, shipped stopwords, compound_min_count=3, no boilerplate rule)
  and vectorized with `build_dtm` (min_df 2, max_df 0.5). Documents left empty are dropped
  and labels follow the returned doc_ids.

The score is `sklearn.metrics.normalized_mutual_info_score(label, argmax topic)` per document
(1 = the topics are the labels, 0 = unrelated); the table gives its mean and min–max over the
seeds, and the mean time of `fit(counts)`. `tomotopy_lda` needs the optional extra
(`pip install '.[tomotopy]'`). Engines run with their shipped defaults unless
`--max-iter` is given, which is passed to `make_model` (and noted in the output).

    .venv/bin/python benchmarks/quality_nmi.py [--seeds 3] [--engines nmf,lda,gensim_lda]
        [--max-iter N]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import normalized_mutual_info_score

from pipeline.common.config import TokensConfig, VectorizeConfig
from pipeline.ingest.tables import Columns, TableRules, parse_rows, table_turns
from pipeline.model.engines import ENGINES, EngineSpec, make_model
from pipeline.tokenize.core import tokenize_corpus
from pipeline.tokenize.dtm import build_dtm

warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parent.parent
KOKKAI = ROOT / "tests" / "data" / "kokkai" / "speeches.jsonl"

THEMES: dict[str, tuple[str, ...]] = {
    "教育": ("学校", "教員", "生徒", "児童", "授業", "教科書", "入試", "大学", "校長", "学力",
           "不登校", "いじめ", "給食", "部活動", "奨学金", "学習指導要領", "教室", "保護者",
           "高校", "幼稚園", "修学旅行", "担任", "塾", "卒業"),
    "医療": ("病院", "医師", "看護師", "患者", "診療", "薬", "手術", "感染症", "ワクチン",
           "救急", "病床", "診療報酬", "介護", "健康保険", "医薬品", "検査", "治療", "外来",
           "処方", "薬剤師", "がん", "入院", "保健所", "臨床"),
    "防衛": ("自衛隊", "防衛費", "ミサイル", "安全保障", "同盟", "艦艇", "戦闘機", "基地",
           "抑止力", "装備品", "隊員", "演習", "領空", "領海", "弾薬", "防空", "駐留", "反撃能力",
           "有事", "部隊", "司令部", "護衛艦", "潜水艦", "迎撃"),
    "農業": ("農家", "米", "水田", "農地", "肥料", "収穫", "農協", "畜産", "酪農", "野菜",
           "果樹", "農薬", "耕作放棄地", "担い手", "食料自給率", "減反", "品種", "牛肉", "漁業",
           "林業", "農村", "作付け", "出荷", "種苗"),
    "財政": ("予算", "税収", "国債", "歳出", "歳入", "消費税", "財源", "赤字", "増税", "減税",
           "補正予算", "基金", "財務省", "地方交付税", "所得税", "法人税", "借金", "利払い",
           "決算", "会計検査院", "財政規律", "税制", "公債", "予備費"),
    "環境": ("温室効果ガス", "脱炭素", "排出量", "再生可能エネルギー", "太陽光", "風力",
           "森林", "生態系", "海洋プラスチック", "廃棄物", "リサイクル", "大気汚染", "水質",
           "気候変動", "温暖化", "省エネ", "原子力", "石炭", "生物多様性", "環境省", "猛暑",
           "干ばつ", "汚染", "炭素税"),
    "交通": ("鉄道", "道路", "高速道路", "新幹線", "バス", "タクシー", "空港", "港湾", "渋滞",
           "運賃", "路線", "駅", "国土交通省", "自動運転", "物流", "トラック", "運転手", "航空",
           "橋梁", "信号", "通勤", "ライドシェア", "踏切", "交通事故"),
    "労働": ("賃金", "最低賃金", "雇用", "非正規", "残業", "労働時間", "労働組合", "解雇",
           "失業", "求人", "派遣", "育児休業", "年金", "退職金", "労働基準法", "過労死",
           "テレワーク", "春闘", "正社員", "副業", "人手不足", "外国人労働者", "職場", "転職"),
    "科学技術": ("研究者", "論文", "研究費", "人工知能", "半導体", "量子", "宇宙", "ロケット",
             "衛星", "ゲノム", "実験", "特許", "博士", "スーパーコンピュータ", "イノベーション",
             "研究所", "技術開発", "データ", "素材", "ロボット", "原子", "望遠鏡", "加速器",
             "スタートアップ"),
}
BACKGROUND: tuple[str, ...] = (
    "会議", "政府", "問題", "対策", "制度", "地域", "国民", "議論", "状況", "検討", "課題",
    "取組", "必要", "支援", "強化", "推進", "現場", "大臣", "法案", "委員会", "見直し", "影響",
    "体制", "整備", "調査", "今後", "観点", "方針", "確保", "充実",
)


@dataclass(frozen=True)
class Difficulty:
    """How strongly a synthetic document keeps to its own theme."""

    own: float  # share of tokens from the document's theme
    secondary: float  # share from one other theme, drawn per document
    background: float  # share from the shared background nouns; the rest from any other theme


DIFFICULTIES = {
    "synthetic-easy": Difficulty(own=0.80, secondary=0.0, background=0.15),
    "synthetic-hard": Difficulty(own=0.50, secondary=0.30, background=0.20),
}
N_SYNTHETIC_DOCS = 450


@dataclass(frozen=True)
class Corpus:
    """A count matrix and the known label of each of its rows."""

    name: str
    counts: sp.csr_matrix
    vocabulary: tuple[str, ...]
    labels: tuple[str, ...]


def _zipf(n: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1)
    return weights / weights.sum()


def synthetic_tokens(difficulty: Difficulty, n_docs: int,
                     seed: int) -> tuple[list[list[str]], list[str]]:
    """Token lists and theme labels of a planted-topic corpus, the same for the same seed."""
    rng = np.random.default_rng(seed)
    names = list(THEMES)
    words = {name: list(THEMES[name]) for name in names}
    background = list(BACKGROUND)
    docs, labels = [], []
    for _ in range(n_docs):
        theme = names[rng.integers(len(names))]
        others = [n for n in names if n != theme]
        secondary = others[rng.integers(len(others))]
        tokens = []
        for _ in range(int(rng.integers(20, 81))):
            draw = rng.random()
            if draw < difficulty.own:
                pool = words[theme]
            elif draw < difficulty.own + difficulty.secondary:
                pool = words[secondary]
            elif draw < difficulty.own + difficulty.secondary + difficulty.background:
                pool = background
            else:
                pool = words[others[rng.integers(len(others))]]
            tokens.append(pool[rng.choice(len(pool), p=_zipf(len(pool)))])
        docs.append(tokens)
        labels.append(theme)
    return docs, labels


def synthetic_corpus(name: str, seed: int) -> Corpus:
    """A synthetic corpus vectorized as the pipeline would (min_df 2, max_df 0.5)."""
    docs, labels = synthetic_tokens(DIFFICULTIES[name], N_SYNTHETIC_DOCS, seed)
    ids = [str(i) for i in range(len(docs))]
    dtm = build_dtm(ids, docs, VectorizeConfig(min_df=2, max_df=0.5))
    return Corpus(name, dtm.counts, dtm.vocabulary, tuple(labels[int(d)] for d in dtm.doc_ids))


def kokkai_corpus(path: Path = KOKKAI) -> Corpus:
    """The Diet sample: one document per speech, labelled by its meeting (issueID)."""
    rows = parse_rows(path.read_text(encoding="utf-8"), ".jsonl", str(path))
    columns = Columns(speaker="speaker", text="speech", id="speechID", meeting="issueID",
                      date="date")
    turns, _ = table_turns(rows, str(path), path.stem,
                           TableRules(columns, {"kind": ["header"]}, {}, fold_old=True))
    turns = [t for t in turns if t.paragraphs]
    texts = ["\n".join(p.text for p in t.paragraphs) for t in turns]
    cfg = TokensConfig(pos=["noun", "proper_noun"], compound_min_count=3,
                       boilerplate_min_meetings=0, drop_procedural_documents=False)
    docs = [{"doc_id": str(i), "meeting": turn.meeting, "text": text}
            for i, (turn, text) in enumerate(zip(turns, texts, strict=True))]
    tokens = [r["terms"] for r in tokenize_corpus(lambda: docs, None, cfg).records()]
    dtm = build_dtm([str(i) for i in range(len(turns))], tokens,
                    VectorizeConfig(min_df=2, max_df=0.5))
    return Corpus("kokkai", dtm.counts, dtm.vocabulary,
                  tuple(turns[int(d)].meeting for d in dtm.doc_ids))


def fit_engine(engine: str, max_iter: int | None) -> Callable[[Corpus, int, int], np.ndarray]:
    """A function fitting the engine with K topics and one seed, giving documents × topics."""
    def fit(corpus: Corpus, n_topics: int, seed: int) -> np.ndarray:
        spec = EngineSpec(engine) if max_iter is None else EngineSpec(engine, max_iter)
        model = make_model(spec, n_topics, seed)
        return model.fit(corpus.counts).transform(corpus.counts)
    return fit


def score(fit: Callable[[Corpus, int, int], np.ndarray], corpus: Corpus,
          seed: int) -> tuple[float, float]:
    """NMI of argmax topic against the labels, and the seconds the fit took."""
    n_topics = len(set(corpus.labels))
    # Tokenizing leaves millions of objects behind; collect them now, not inside a timed fit.
    gc.collect()
    start = time.perf_counter()
    theta = fit(corpus, n_topics, seed)
    elapsed = time.perf_counter() - start
    nmi = normalized_mutual_info_score(corpus.labels, np.asarray(theta).argmax(axis=1))
    return float(nmi), elapsed


def git_state() -> str:
    """The commit the package was run from, and whether the tree had local changes."""
    def git(*cmd: str) -> str:
        try:
            done = subprocess.run(["git", *cmd], capture_output=True, text=True,
                                  cwd=ROOT, check=False)
        except FileNotFoundError:
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" + local changes" if git("status", "--porcelain", "--", "pipeline") else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="fits per engine and corpus")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--max-iter", type=int, default=None,
                        help="passed to make_model; default: the engines' own default")
    args = parser.parse_args()
    seeds = list(range(42, 42 + args.seeds))
    began = time.perf_counter()

    print(f"# machine: {platform.machine()}, {os.cpu_count()} cpus, "
          f"python {platform.python_version()} ({sys.platform}); pipeline at {git_state()}")
    print(f"# seeds: {seeds}; K = number of labels; NMI of argmax topic vs label; "
          f"fit time = fit(counts), mean over seeds")
    print("# max_iter: " + ("make_model default (nmf 400, lda 200, gensim_lda 400 "
                            "iterations x 20 passes)" if args.max_iter is None
                            else f"{args.max_iter} (--max-iter, passed to make_model)"))

    engines: dict[str, Callable[[Corpus, int, int], np.ndarray]] = {
        e: fit_engine(e, args.max_iter) for e in args.engines.split(",")}
    start = time.perf_counter()
    corpora = [synthetic_corpus(name, seed=7) for name in DIFFICULTIES]
    corpora.append(kokkai_corpus())
    print(f"# corpora built in {time.perf_counter() - start:.1f} s:")
    for c in corpora:
        sizes = np.unique(c.labels, return_counts=True)[1]
        print(f"#   {c.name:<15} {c.counts.shape[0]:>4} docs x {c.counts.shape[1]:>4} terms, "
              f"{c.counts.sum() / c.counts.shape[0]:5.1f} terms/doc, "
              f"K = {len(sizes)} labels (sizes {min(sizes)}-{max(sizes)})")
    print()
    print(f"{'corpus':<15} {'engine':<22} {'NMI mean':>8}  {'min-max':<11}  {'fit s':>6}")
    for corpus in corpora:
        for name, fit in engines.items():
            results = [score(fit, corpus, s) for s in seeds]
            nmis = [r[0] for r in results]
            seconds = float(np.mean([r[1] for r in results]))
            print(f"{corpus.name:<15} {name:<22} {np.mean(nmis):8.3f}  "
                  f"{min(nmis):.3f}-{max(nmis):.3f}  {seconds:6.2f}", flush=True)
    print(f"\n# total run time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
