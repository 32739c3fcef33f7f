"""The columns of the score stage's tables, apart from the scoring code: with nothing to
score (score.input null, the default), the stage writes them empty without importing it."""

DOC_COLUMNS = ("doc_id", "meeting", "speaker", "turn")
SPEAKER_COLUMNS = ("speaker", "topic", "share", "ci_low", "ci_high", "n_docs", "n_tokens",
                   "low_data", "share_raw", "pooled", "topic_label")
MEETING_COLUMNS = ("meeting", "title", "date", "topic", "share", "ci_low", "ci_high", "n_docs",
                   "n_tokens", "low_data", "topic_label", "n_terms", "share_known")
