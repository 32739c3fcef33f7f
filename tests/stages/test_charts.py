"""Tests for pipeline/stages/charts.py: every chart of the bundled run, saved laid out once,
is the file savefig wrote (pipeline/report/figure_files.py)."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from _stages import ARGS

from pipeline.common.config import parse_config
from pipeline.report.charts import japanese_style, plain_text
from pipeline.stages.charts import chart_formats, chart_makers


def savefig_bytes(fig, suffix: str) -> bytes:
    """What the stage wrote before: savefig, which draws the figure twice."""
    buffer = io.BytesIO()
    if suffix == "svg":
        with japanese_style():
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    else:
        with plain_text():
            fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


@pytest.mark.slow
def test_every_chart_is_the_file_savefig_wrote(bundled_run):
    argv = ARGS["charts"]
    args = SimpleNamespace(**{argv[i][2:].replace("-", "_"): str(bundled_run.work / argv[i + 1])
                              for i in range(0, len(argv), 2)})
    makers = chart_makers(args, parse_config(bundled_run.config, "pipeline.yaml"))
    assert {"speaker_topic_heatmap", "top_terms", "timeline"} <= set(makers)
    for name, make in makers.items():
        old, new = make(), make()
        for suffix, save in chart_formats(name).items():
            assert save(new) == savefig_bytes(old, suffix), (name, suffix)
