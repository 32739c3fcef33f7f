"""Tests for pipeline/report/charts.py that need no data: importing it has no side effects."""

from __future__ import annotations

import os
import subprocess
import sys


def test_import_chooses_no_backend_and_loads_no_pyplot():
    code = ("import sys, matplotlib; import pipeline.report.charts; "
            "print('matplotlib.pyplot' in sys.modules, "
            "matplotlib.rcParams._get_backend_or_none())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True,
                            env={k: v for k, v in os.environ.items() if k != "MPLBACKEND"})
    assert result.stdout.split() == ["False", "None"]


def test_the_k_chart_keeps_its_note_inside_and_names_the_final_k_in_its_title():
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from pipeline.report.charts import k_selection_chart

    ks = [4, 6, 8, 12, 17, 24, 34, 49, 71, 101]
    sweep = pd.DataFrame({"k": ks, "npmi": 0.2, "c_v": float("nan"), "diversity": 0.9,
                          "stability": 0.6, "largest_topic": 0.1,
                          "good_topics": [k * 0.4 for k in ks],
                          "chosen": [k == 71 for k in ks]})
    fig = k_selection_chart(sweep, 52)
    FigureCanvasAgg(fig).draw()
    [ax] = [a for a in fig.axes if a.get_title()]
    assert "最終モデルは 52 トピック" in ax.get_title()
    [note] = [t for t in ax.texts if t.get_text().startswith("選んだ K")]
    assert note.get_text() == "選んだ K = 71"
    box = note.get_window_extent()
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width
    # With nothing dropped, the title is the plain one.
    same = k_selection_chart(sweep.assign(chosen=[k == 34 for k in ks]), 34)
    assert [a.get_title() for a in same.axes if a.get_title()] == ["K ごとの品質"]


def _grouped_inputs():
    import pandas as pd

    topics = [{"topic": t, "terms": [f"w{t}"], "parent": p, "parent_label": f"群{p}"}
              for t, p in [(1, 1), (2, 2), (3, 1), (4, 2), (5, 1)]]
    rows = []
    for s, weights in {"甲": [5, 1, 3, 1, 0], "乙": [0, 4, 1, 4, 1]}.items():
        total = sum(weights)
        rows += [{"speaker": s, "topic": t, "share": w / total, "ci_low": 0.0, "ci_high": 1.0,
                  "n_tokens": 100, "low_data": False} for t, w in enumerate(weights, 1)]
    return pd.DataFrame(rows), topics


def test_a_speakers_share_of_a_topic_group_is_the_sum_over_its_topics():
    from pipeline.report.charts import group_labels, group_shares

    shares, topics = _grouped_inputs()
    grouped = group_shares(shares, topics).set_index(["speaker", "topic"])["share"]
    assert abs(grouped[("甲", 1)] - 0.8) < 1e-12 and abs(grouped[("甲", 2)] - 0.2) < 1e-12
    assert abs(grouped[("乙", 1)] - 0.2) < 1e-12 and abs(grouped[("乙", 2)] - 0.8) < 1e-12
    assert group_labels(topics) == ["1. 群1（3）", "2. 群2（2）"]
    # Topics without groups (too few to group): nothing to sum.
    assert group_shares(shares, [{**t, "parent": None} for t in topics]).empty


def test_the_group_heatmap_has_a_column_per_group_and_the_summed_shares():
    from pipeline.report.charts import speaker_group_heatmap

    shares, topics = _grouped_inputs()
    fig = speaker_group_heatmap(shares, topics)
    [ax] = [a for a in fig.axes if a.get_title()]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1. 群1（3）", "2. 群2（2）"]
    assert sorted(t.get_text() for t in ax.texts) == ["20%", "20%", "80%", "80%"]
    bare = speaker_group_heatmap(shares, [{**t, "parent": None} for t in topics])
    assert "まとまりには分けていません" in bare.texts[0].get_text()
