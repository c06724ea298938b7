"""The community: submissions, votes, comments, collections and trending.

Importing any part of it registers `papers.reassign_paper` with the catalog, so community
rows follow a paper that the catalog folds into another.
"""

from paperwire.community import papers as _papers  # noqa: F401  (registers the listener)
