"""Stage charts: tables -> PNG charts (speaker × topic heatmap, top terms per topic)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd

from pipeline.atomic import write_bytes
from pipeline.charts import speaker_heatmap, top_terms_chart
from pipeline.stages._cli import log, run, stage_parser


def figure_png(fig) -> bytes:
    """PNG bytes with no timestamp or version stamp, so reruns are identical."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def main(args, config) -> None:
    shares = pd.read_csv(args.speaker_topics, encoding="utf-8-sig", keep_default_na=False)
    terms = pd.read_csv(args.topic_terms, encoding="utf-8-sig", keep_default_na=False)
    topics = json.loads(Path(args.topics).read_text(encoding="utf-8"))
    out = Path(args.out_dir)
    write_bytes(out / "speaker_topic_heatmap.png", figure_png(speaker_heatmap(shares, topics)))
    write_bytes(out / "top_terms.png", figure_png(top_terms_chart(terms, topics)))
    log(f"charts: wrote 2 charts to {out}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    for name in ("speaker_topics", "topic_terms", "topics", "out_dir"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
