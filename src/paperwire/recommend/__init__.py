"""Personal recommendations ("For you"): reader signals, a linear model per reader, feeds.

Pure numpy: `readers.py`, `model.py`, `diversity.py`. The database parts: `schema.py`,
`signals.py`, `interests.py`, `engine.py` (the Recommender), `feed_tokens.py`.
"""
