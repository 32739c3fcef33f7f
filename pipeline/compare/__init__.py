"""What changed between two runs (python -m pipeline.compare A B): settings, K, quality,
topics matched across the runs, speakers whose main topic moved."""
