"""Stage charts: tables -> PNG charts (speaker × topic heatmap, top terms per topic)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from pipeline.atomic import write_bytes
from pipeline.charts import (
    japanese_style,
    k_selection_chart,
    speaker_heatmap,
    speaker_mix_chart,
    theme_heatmap,
    timeline_chart,
    top_terms_chart,
)
from pipeline.stages._cli import log, run, stage_parser


def figure_svg(fig) -> bytes:
    """SVG with text kept as text (searchable, sharp) and no date stamp."""
    buffer = io.BytesIO()
    with japanese_style():  # its fixed svg.hashsalt makes the SVG's ids repeatable
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def figure_png(fig) -> bytes:
    """PNG bytes with no timestamp or version stamp, so reruns are identical."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def main(args, config) -> None:
    def table(path: str) -> pd.DataFrame:
        return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)

    shares = table(args.speaker_topics)
    topics = json.loads(Path(args.topics).read_text(encoding="utf-8"))
    index = json.loads(Path(args.index).read_text(encoding="utf-8"))
    doc_topics = table(args.doc_topics)
    doc_topics["n_tokens"] = doc_topics["doc_id"].map({d["doc_id"]: d["n_tokens"] for d in index})
    sweep = pd.read_csv(args.k_sweep)
    coverage = table(args.speaker_themes)
    figures = {
        "speaker_topic_heatmap": speaker_heatmap(shares, topics),
        "top_terms": top_terms_chart(table(args.topic_terms), topics),
        "speaker_mix": speaker_mix_chart(shares, topics),
        "timeline": timeline_chart(doc_topics, topics),
        "k_selection": k_selection_chart(sweep, len(topics)),
        "speaker_themes": theme_heatmap(coverage),
    }
    out = Path(args.out_dir)
    for name, fig in figures.items():
        write_bytes(out / f"{name}.png", figure_png(fig))
    write_bytes(out / "speaker_topic_heatmap.svg", figure_svg(figures["speaker_topic_heatmap"]))
    log(f"charts: wrote {len(figures)} charts to {out}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    for name in ("speaker_topics", "topic_terms", "topics", "doc_topics", "index", "k_sweep",
                 "speaker_themes", "out_dir"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
