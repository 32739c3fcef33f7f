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
